/* evs_node: one node's EVS application for the multi-node tests (run in the
 * node's network namespace; it talks to that node's executive).
 *
 *   evs_node run WHO COUNT EXPECT
 *       Joins group "ns" and prints "READY"; after a line on stdin multicasts
 *       COUNT messages tagged WHO (sizes vary, every 25th has 1 MiB - 2 KiB),
 *       dispatching as it goes, until it has received EXPECT messages; then
 *       prints one line per delivery, in delivery order:
 *         D nodeid=N who=W seq=S len=L ok=0|1
 *       (ok: the contents are the bytes sent), and "DONE".
 *   evs_node watch
 *       Prints every configuration callback until stdin is closed:
 *         C members=a,b left=c joined=d
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <evs.h>

#define BIG 1046528

struct tag {
	uint32_t who;
	uint32_t seq;
};

struct delivery {
	unsigned nodeid;
	uint32_t who, seq, len;
	int ok;
};

static struct delivery *log_items;
static unsigned log_count, log_cap;

static uint8_t pattern(uint32_t who, uint32_t seq, size_t i)
{
	return (uint8_t)(who * 131u + seq * 7u + i * 13u);
}

static size_t size_of(uint32_t seq)
{
	return seq % 25 == 24 ? BIG : sizeof(struct tag) + (seq * 1499u) % 70000u;
}

static void on_deliver(unsigned int nodeid, void *msg, int len)
{
	struct tag t = { 0, 0 };
	int ok = len >= (int)sizeof t;
	if (ok)
		memcpy(&t, msg, sizeof t);
	const uint8_t *b = msg;
	ok = ok && (size_t)len == size_of(t.seq);
	for (int i = (int)sizeof t; ok && i < len; i++)
		ok = b[i] == pattern(t.who, t.seq, (size_t)i);
	if (log_count < log_cap)
		log_items[log_count++] = (struct delivery){ nodeid, t.who, t.seq, (uint32_t)len, ok };
}

static void print_list(const char *name, const unsigned *l, int n)
{
	printf(" %s=", name);
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", l[i]);
}

static void on_confchg(unsigned int *m, int mn, unsigned int *l, int ln,
	unsigned int *j, int jn)
{
	printf("C");
	print_list("members", m, mn);
	print_list("left", l, ln);
	print_list("joined", j, jn);
	printf("\n");
	fflush(stdout);
}

static evs_handle_t open_handle(evs_callbacks_t *cbs)
{
	evs_handle_t h;
	evs_error_t err = EVS_ERR_TRY_AGAIN;
	for (int i = 0; i < 200 && err == EVS_ERR_TRY_AGAIN; i++) {
		err = evs_initialize(&h, cbs);
		if (err == EVS_ERR_TRY_AGAIN)
			usleep(50000);
	}
	if (err != EVS_OK) {
		printf("ERROR evs_initialize %d\n", err);
		exit(1);
	}
	return h;
}

static int run(uint32_t who, uint32_t count, uint32_t expect)
{
	static evs_callbacks_t cbs = { .evs_deliver_fn = on_deliver };
	log_cap = expect;
	log_items = calloc(expect, sizeof *log_items);
	uint8_t *buf = malloc(BIG);
	if (log_items == NULL || buf == NULL)
		return 1;
	evs_handle_t h = open_handle(&cbs);
	struct evs_group g;
	memset(&g, 0, sizeof g);
	memcpy(g.key, "ns", 2);
	if (evs_join(h, &g, 1) != EVS_OK)
		return 1;
	printf("READY\n");
	fflush(stdout);
	char line[16];
	if (fgets(line, sizeof line, stdin) == NULL)
		return 1;
	for (uint32_t s = 0; s < count; s++) {
		size_t len = size_of(s);
		struct tag t = { who, s };
		memcpy(buf, &t, sizeof t);
		for (size_t i = sizeof t; i < len; i++)
			buf[i] = pattern(who, s, i);
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		evs_error_t err;
		while ((err = evs_mcast_joined(h, EVS_TYPE_AGREED, &iov, 1)) == EVS_ERR_TRY_AGAIN) {
			if (evs_dispatch(h, EVS_DISPATCH_ALL) != EVS_OK)
				return 1;
			usleep(1000);
		}
		if (err != EVS_OK || evs_dispatch(h, EVS_DISPATCH_ALL) != EVS_OK) {
			printf("ERROR mcast %d\n", err);
			return 1;
		}
	}
	while (log_count < expect) {
		if (evs_dispatch(h, EVS_DISPATCH_ONE) != EVS_OK)
			return 1;
	}
	for (unsigned i = 0; i < log_count; i++) {
		const struct delivery *d = &log_items[i];
		printf("D nodeid=%u who=%u seq=%u len=%u ok=%d\n", d->nodeid, d->who, d->seq,
			d->len, d->ok);
	}
	printf("DONE\n");
	evs_finalize(h);
	free(buf);
	free(log_items);
	return 0;
}

static int watch(void)
{
	static evs_callbacks_t cbs = { .evs_confchg_fn = on_confchg };
	evs_handle_t h = open_handle(&cbs);
	int fd;
	if (evs_fd_get(h, &fd) != EVS_OK)
		return 1;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			break;		/* stdin closed (or a line): done */
		if (evs_dispatch(h, EVS_DISPATCH_ALL) != EVS_OK) {
			printf("ERROR dispatch\n");
			return 1;
		}
	}
	return evs_finalize(h) == EVS_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	if (argc == 5 && strcmp(argv[1], "run") == 0)
		return run((uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]), (uint32_t)atoi(argv[4]));
	if (argc == 2 && strcmp(argv[1], "watch") == 0)
		return watch();
	fprintf(stderr, "usage: evs_node run WHO COUNT EXPECT | evs_node watch\n");
	return 2;
}
