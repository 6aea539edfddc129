/*
 * clm_watch: the cluster membership as a test sees it, through libSaClm.
 *
 *   clm_watch track        track CURRENT|CHANGES; print every callback, one
 *                          block per callback, until stdin reaches EOF
 *   clm_watch get ID...    saClmClusterNodeGet for each node id (decimal)
 *
 * Output (one line per fact, flushed per callback):
 *   TRACK view=V members=N items=K error=E
 *   ITEM node=ID change=C member=M addr=A name=S
 *   END
 *   NODE id=ID error=E member=M addr=A name=S view=V
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <saAis.h>
#include <saClm.h>

static void print_addr(const SaClmNodeAddressT *a, char *out, size_t len)
{
	int af = a->family == SA_CLM_AF_INET6 ? AF_INET6 : AF_INET;
	if (inet_ntop(af, a->value, out, (socklen_t)len) == NULL)
		snprintf(out, len, "?");
}

static void print_node(const char *tag, const SaClmClusterNodeT *n)
{
	char addr[64];
	print_addr(&n->nodeAddress, addr, sizeof addr);
	printf("%s node=%u member=%d addr=%s name=%.*s view=%" PRIu64 "\n", tag,
		n->nodeId, n->member, addr, (int)n->nodeName.length,
		(const char *)n->nodeName.value, n->initialViewNumber);
}

static void track_cb(const SaClmClusterNotificationBufferT *buf,
	SaUint32T members, SaAisErrorT error)
{
	printf("TRACK view=%" PRIu64 " members=%u items=%u error=%d\n",
		buf->viewNumber, members, buf->numberOfItems, error);
	for (SaUint32T i = 0; i < buf->numberOfItems; i++) {
		char tag[32];
		snprintf(tag, sizeof tag, "ITEM change=%d", buf->notification[i].clusterChange);
		print_node(tag, &buf->notification[i].clusterNode);
	}
	printf("END\n");
	fflush(stdout);
}

static int track(SaClmHandleT h)
{
	SaAisErrorT rc = saClmClusterTrack(h, SA_TRACK_CURRENT | SA_TRACK_CHANGES, NULL);
	if (rc != SA_AIS_OK) {
		printf("ERROR track %d\n", rc);
		return 1;
	}
	SaSelectionObjectT so;
	if (saClmSelectionObjectGet(h, &so) != SA_AIS_OK)
		return 1;
	struct pollfd p[2] = { { .fd = (int)so, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents) {
			rc = saClmDispatch(h, SA_DISPATCH_ALL);
			if (rc != SA_AIS_OK) {
				printf("ERROR dispatch %d\n", rc);
				fflush(stdout);
				return 1;
			}
		}
		if (p[1].revents) {
			char buf[64];
			if (read(0, buf, sizeof buf) <= 0)
				return 0;
		}
	}
}

int main(int argc, char **argv)
{
	SaClmHandleT h;
	SaVersionT v = { 'B', 1, 1 };
	SaClmCallbacksT cb = { .saClmClusterTrackCallback = track_cb };
	if (argc < 2)
		return 2;
	SaAisErrorT rc = saClmInitialize(&h, &cb, &v);
	if (rc != SA_AIS_OK) {
		printf("ERROR initialize %d\n", rc);
		return 1;
	}
	int status = 0;
	if (strcmp(argv[1], "track") == 0) {
		status = track(h);
	} else if (strcmp(argv[1], "get") == 0) {
		for (int i = 2; i < argc; i++) {
			SaClmClusterNodeT n;
			SaClmNodeIdT id = (SaClmNodeIdT)strtoul(argv[i], NULL, 10);
			rc = saClmClusterNodeGet(h, id, SA_TIME_ONE_SECOND * 5, &n);
			if (rc != SA_AIS_OK) {
				printf("NODE node=%u error=%d\n", id, rc);
				continue;
			}
			print_node("NODE error=1", &n);
		}
	} else {
		status = 2;
	}
	saClmFinalize(h);
	return status;
}
