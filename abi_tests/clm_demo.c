/* clm_demo: prints the current cluster membership through the CLM API
 * (saClmClusterTrack with SA_TRACK_CURRENT and a library-allocated buffer). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <saAis.h>
#include <saClm.h>

static const char *address(const SaClmNodeAddressT *a, char *buf, size_t len)
{
	if (a->family == SA_CLM_AF_INET && a->length == 4)
		return inet_ntop(AF_INET, a->value, buf, (socklen_t)len);
	if (a->family == SA_CLM_AF_INET6 && a->length == 16)
		return inet_ntop(AF_INET6, a->value, buf, (socklen_t)len);
	return "?";
}

int main(void)
{
	SaClmHandleT handle;
	SaVersionT version = { 'B', 1, 1 };
	SaAisErrorT err;
	int tries = 0;

	/* The executive may still be starting: TRY_AGAIN means wait and retry. */
	while ((err = saClmInitialize(&handle, NULL, &version)) == SA_AIS_ERR_TRY_AGAIN &&
	       ++tries < 50)
		usleep(100000);
	if (err != SA_AIS_OK) {
		fprintf(stderr, "clm_demo: saClmInitialize: error %d\n", err);
		return 1;
	}

	SaClmClusterNotificationBufferT buf = { .viewNumber = 0, .numberOfItems = 0,
		.notification = NULL };
	tries = 0;
	while ((err = saClmClusterTrack(handle, SA_TRACK_CURRENT, &buf)) == SA_AIS_ERR_TRY_AGAIN &&
	       ++tries < 50)
		usleep(100000);
	if (err != SA_AIS_OK) {
		fprintf(stderr, "clm_demo: saClmClusterTrack: error %d\n", err);
		saClmFinalize(handle);
		return 1;
	}

	printf("view %llu: %u node(s)\n", (unsigned long long)buf.viewNumber,
		(unsigned)buf.numberOfItems);
	for (SaUint32T i = 0; i < buf.numberOfItems; i++) {
		const SaClmClusterNodeT *n = &buf.notification[i].clusterNode;
		char addr[INET6_ADDRSTRLEN];
		char boot[32] = "?";
		time_t secs = (time_t)(n->bootTimestamp / SA_TIME_ONE_SECOND);
		struct tm tm;
		if (gmtime_r(&secs, &tm) != NULL)
			strftime(boot, sizeof boot, "%Y-%m-%d %H:%M:%S UTC", &tm);
		printf("node %u  address %s  name %.*s  member %s  joined in view %llu  booted %s\n",
			(unsigned)n->nodeId, address(&n->nodeAddress, addr, sizeof addr),
			(int)n->nodeName.length, (const char *)n->nodeName.value,
			n->member ? "yes" : "no", (unsigned long long)n->initialViewNumber, boot);
	}
	free(buf.notification);

	err = saClmFinalize(handle);
	if (err != SA_AIS_OK) {
		fprintf(stderr, "clm_demo: saClmFinalize: error %d\n", err);
		return 1;
	}
	return 0;
}
