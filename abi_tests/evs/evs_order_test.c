/* evs_order_test: two processes (and then two handles of one process)
 * multicast to one group; every handle gets every message, with the
 * sender's node id and the bytes sent, in one and the same order.  One
 * message has the maximum size (1 MiB - 2 KiB), one is empty, one is sent from 40
 * pieces; one goes with evs_mcast_groups to a group its sender never joined. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evs_check.h"

#define MAX_MSG 1046528		/* AIS_EVS_MAX_MSG (1 MiB - 2 KiB), over 1 MB */
#define PER_SENDER 150
#define BIG_SEQ 70		/* this message of the parent has MAX_MSG bytes */
#define EMPTY_SEQ 71		/* this one has only its tag */
#define PIECES_SEQ 72		/* this one is sent from PIECES iovecs */
#define PIECES 40
#define SIDE_WHO 'S'

struct tag {
	uint8_t who;
	uint8_t pad[3];
	uint32_t seq;
};

struct seen {
	uint32_t who;		/* no padding: logs are compared with memcmp */
	uint32_t seq;
};

/* What one handle has received, in order. */
struct log {
	struct seen items[2 * PER_SENDER + 8];
	unsigned count;
	unsigned side;			/* messages of the side group */
	unsigned bad;			/* wrong node id, size or contents */
};

static struct log logs[2];
static struct log *current;
static unsigned expect_node;

static uint8_t pattern(uint8_t who, uint32_t seq, size_t i)
{
	return (uint8_t)(who * 31u + seq * 7u + i * 13u);
}

static size_t size_of(uint8_t who, uint32_t seq)
{
	if (who == 'P' && seq == BIG_SEQ)
		return MAX_MSG;
	if (seq == EMPTY_SEQ)
		return sizeof(struct tag);
	return sizeof(struct tag) + (seq * 997u) % 9000u;
}

static void fill(uint8_t *buf, uint8_t who, uint32_t seq, size_t len)
{
	struct tag t = { .who = who, .seq = seq };
	memcpy(buf, &t, sizeof t);
	for (size_t i = sizeof t; i < len; i++)
		buf[i] = pattern(who, seq, i);
}

static void on_deliver(unsigned int nodeid, void *msg, int len)
{
	struct tag t;
	if (len < (int)sizeof t) {
		current->bad++;
		return;
	}
	memcpy(&t, msg, sizeof t);
	const uint8_t *b = msg;
	bool ok = nodeid == expect_node && (size_t)len == size_of(t.who, t.seq);
	for (int i = (int)sizeof t; ok && i < len; i++)
		ok = b[i] == pattern(t.who, t.seq, (size_t)i);
	if (!ok)
		current->bad++;
	if (t.who == SIDE_WHO) {
		current->side++;
		return;
	}
	if (current->count < sizeof current->items / sizeof current->items[0])
		current->items[current->count++] = (struct seen){ .who = t.who, .seq = t.seq };
}

static void on_confchg(unsigned int *m, int mn, unsigned int *l, int ln,
	unsigned int *j, int jn)
{
	(void)m, (void)mn, (void)l, (void)ln, (void)j, (void)jn;
}

static evs_callbacks_t cbs = { .evs_deliver_fn = on_deliver, .evs_confchg_fn = on_confchg };

static evs_error_t send_seq(evs_handle_t h, uint8_t who, uint32_t seq, uint8_t *buf)
{
	size_t len = size_of(who, seq);
	fill(buf, who, seq, len);
	if (seq != PIECES_SEQ)
		return evs_test_send(h, buf, len);
	struct iovec iov[PIECES];
	size_t step = len / PIECES, off = 0;
	for (int i = 0; i < PIECES; i++) {
		iov[i].iov_base = buf + off;
		iov[i].iov_len = i == PIECES - 1 ? len - off : step;
		off += iov[i].iov_len;
	}
	evs_error_t err;
	while ((err = evs_mcast_joined(h, EVS_TYPE_AGREED, iov, PIECES)) == EVS_ERR_TRY_AGAIN)
		usleep(1000);
	return err;
}

/* Both senders' messages, each sender's in its own order. */
static bool fifo_complete(const struct log *lg)
{
	uint32_t next[2] = { 0, 0 };
	for (unsigned i = 0; i < lg->count; i++) {
		int k = lg->items[i].who == 'P' ? 0 : 1;
		if (lg->items[i].seq != next[k]++)
			return false;
	}
	return lg->count == 2 * PER_SENDER && next[0] == PER_SENDER;
}

static bool read_all(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

/* The child: joins the group and the side group, sends its messages,
 * receives everything, reports its log through the pipe. */
static int child(int ready_w, int go_r, int log_w, uint8_t *buf)
{
	evs_handle_t h;
	struct evs_group g[2] = { evs_test_group("order"), evs_test_group("side") };
	current = &logs[0];
	if (evs_test_init(&h, &cbs) != EVS_OK || evs_join(h, g, 2) != EVS_OK)
		return 2;
	char c = 'R';
	if (!write_all(ready_w, &c, 1) || !read_all(go_r, &c, 1))
		return 3;
	/* the side group is joined too: mcast_joined goes to both */
	for (uint32_t s = 0; s < PER_SENDER; s++) {
		if (send_seq(h, 'C', s, buf) != EVS_OK)
			return 4;
		if (evs_dispatch(h, EVS_DISPATCH_ALL) != EVS_OK)
			return 5;
	}
	while (current->count < 2 * PER_SENDER || current->side < 1) {
		if (evs_dispatch(h, EVS_DISPATCH_ONE) != EVS_OK)
			return 6;
	}
	if (!write_all(log_w, current, sizeof *current))
		return 7;
	return evs_finalize(h) == EVS_OK ? 0 : 8;
}

static void two_processes(uint8_t *buf)
{
	int ready[2], go[2], lg[2];
	if (pipe(ready) != 0 || pipe(go) != 0 || pipe(lg) != 0) {
		CHECK(!"pipe");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]), close(go[1]), close(lg[0]);
		_exit(child(ready[1], go[0], lg[1], buf));
	}
	close(ready[1]), close(go[0]), close(lg[1]);

	evs_handle_t h;
	struct evs_group g = evs_test_group("order"), side = evs_test_group("side");
	current = &logs[1];
	CHECK_RC(evs_test_init(&h, &cbs), EVS_OK);
	CHECK_RC(evs_join(h, &g, 1), EVS_OK);
	char c;
	CHECK(read_all(ready[0], &c, 1) && c == 'R');
	CHECK(write_all(go[1], "G", 1));
	bool sent = true;
	for (uint32_t s = 0; s < PER_SENDER; s++) {
		sent = sent && send_seq(h, 'P', s, buf) == EVS_OK;
		sent = sent && evs_dispatch(h, EVS_DISPATCH_ALL) == EVS_OK;
	}
	CHECK(sent);
	/* to a group this handle never joined: the child gets it, we do not */
	fill(buf, SIDE_WHO, 0, size_of(SIDE_WHO, 0));
	CHECK_RC(evs_test_send_groups(h, &side, 1, buf, size_of(SIDE_WHO, 0)), EVS_OK);
	CHECK(evs_test_dispatch_until(h, &current->count, 2 * PER_SENDER));

	struct log *theirs = &logs[0];
	CHECK(read_all(lg[0], theirs, sizeof *theirs));
	int status = -1;
	waitpid(pid, &status, 0);
	char note[64];
	snprintf(note, sizeof note, "child status %#x", (unsigned)status);
	CHECK_NOTE(WIFEXITED(status) && WEXITSTATUS(status) == 0, note);
	CHECK(fifo_complete(&logs[1]));
	CHECK(fifo_complete(theirs));
	CHECK(memcmp(theirs->items, logs[1].items, sizeof logs[1].items) == 0);
	CHECK(theirs->bad == 0 && logs[1].bad == 0);
	CHECK(theirs->side == 1 && logs[1].side == 0);
	CHECK(!evs_test_readable(h, 100));
	CHECK_RC(evs_finalize(h), EVS_OK);
	close(ready[0]), close(go[1]), close(lg[0]);
}

/* Two handles of one process, sending in turns. */
static void two_handles(uint8_t *buf)
{
	evs_handle_t h[2];
	struct evs_group g = evs_test_group("duo");
	memset(logs, 0, sizeof logs);
	for (int i = 0; i < 2; i++) {
		CHECK_RC(evs_test_init(&h[i], &cbs), EVS_OK);
		CHECK_RC(evs_join(h[i], &g, 1), EVS_OK);
	}
	bool sent = true;
	for (uint32_t s = 0; s < PER_SENDER; s++) {
		sent = sent && send_seq(h[0], 'P', s, buf) == EVS_OK;
		sent = sent && send_seq(h[1], 'C', s, buf) == EVS_OK;
	}
	CHECK(sent);
	for (int i = 0; i < 2; i++) {
		current = &logs[i];
		CHECK(evs_test_dispatch_until(h[i], &logs[i].count, 2 * PER_SENDER));
		CHECK(fifo_complete(&logs[i]));
		CHECK(logs[i].bad == 0);
	}
	CHECK(memcmp(logs[0].items, logs[1].items, sizeof logs[0].items) == 0);
	for (int i = 0; i < 2; i++)
		CHECK_RC(evs_finalize(h[i]), EVS_OK);
}

int main(void)
{
	check_start("evs_order_test", 90);
	expect_node = evs_test_nodeid();
	uint8_t *buf = malloc(MAX_MSG);
	if (!CHECK(buf != NULL))
		return check_done();
	two_processes(buf);
	two_handles(buf);
	free(buf);
	return check_done();
}
