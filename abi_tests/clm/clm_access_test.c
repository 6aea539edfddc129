/* clm_access_test: who may use the executive.  Run as root; each case runs
 * in a child that gives up root first:
 *   uid nobody, no group ais            -> saClmInitialize: SA_AIS_ERR_ACCESS
 *   uid nobody, ais supplementary group -> SA_AIS_OK, and the handle works
 *   uid nobody, ais primary group       -> SA_AIS_OK
 *   uid nobody, socket path in a directory nobody cannot search
 *                                       -> SA_AIS_ERR_ACCESS
 * Needs a running executive ($AIS_IPC_SOCKET) and the group "ais". */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static struct clm_expect expect;
static uid_t nobody_uid;
static gid_t nobody_gid, ais_gid;

static bool drop_root(gid_t gid, const gid_t *groups, size_t ngroups)
{
	if (setgroups(ngroups, groups) != 0 || setgid(gid) != 0 || setuid(nobody_uid) != 0) {
		perror("dropping root");
		return false;
	}
	/* set-id changes make the process undumpable, which stops LeakSanitizer
	 * from inspecting it at exit */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return getuid() == nobody_uid && geteuid() == nobody_uid;
}

static void refused(void)
{
	SaClmHandleT h = 0x4242;
	SaVersionT v = { 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&h, NULL, &v), SA_AIS_ERR_ACCESS);
	CHECK(h == 0x4242);
	CHECK_RC(saClmFinalize(h), SA_AIS_ERR_BAD_HANDLE);
	/* and it stays refused */
	v = (SaVersionT){ 'B', 1, 1 };
	CHECK_RC(saClmInitialize(&h, NULL, &v), SA_AIS_ERR_ACCESS);
}

static void accepted(void)
{
	SaClmHandleT h;
	SaClmClusterNodeT n;
	if (!CHECK_RC(clm_init_ready(&h, NULL), SA_AIS_OK))
		return;
	CHECK_RC(saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, MS(5000), &n), SA_AIS_OK);
	clm_check_node("as nobody in group ais", &n, &expect);
	SaClmClusterNotificationBufferT buf = { 0, 0, NULL };
	CHECK_RC(saClmClusterTrack(h, SA_TRACK_CURRENT, &buf), SA_AIS_OK);
	CHECK(buf.numberOfItems == 1);
	free(buf.notification);
	CHECK_RC(saClmFinalize(h), SA_AIS_OK);
}

enum which { NOBODY, NOBODY_AIS_SUPP, NOBODY_AIS_PRIMARY, NOBODY_NO_SEARCH };

static int child(enum which w, const char *dir)
{
	bool ok = false;
	check_count = check_failures = 0;
	switch (w) {
	case NOBODY:
		ok = drop_root(nobody_gid, NULL, 0);
		break;
	case NOBODY_AIS_SUPP:
		ok = drop_root(nobody_gid, &ais_gid, 1);
		break;
	case NOBODY_AIS_PRIMARY:
		ok = drop_root(ais_gid, NULL, 0);
		break;
	case NOBODY_NO_SEARCH:
		ok = drop_root(ais_gid, &ais_gid, 1);
		break;
	}
	if (!CHECK(ok))
		return 1;
	if (w == NOBODY_NO_SEARCH) {
		char path[512];
		snprintf(path, sizeof path, "%s/aisexec.socket", dir);
		setenv("AIS_IPC_SOCKET", path, 1);
		refused();
	} else if (w == NOBODY) {
		refused();
	} else {
		accepted();
	}
	printf("# child: %d checks, %d failed\n", check_count, check_failures);
	return check_failures == 0 ? 0 : 1;
}

static void run(const char *what, enum which w, const char *dir)
{
	printf("# %s\n", what);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		exit(child(w, dir));
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	char note[160];
	snprintf(note, sizeof note, "%s: child exit status %d", what,
		WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	CHECK_NOTE(WIFEXITED(status) && WEXITSTATUS(status) == 0, note);
}

int main(void)
{
	check_start("clm_access_test", 60);
	if (!clm_expect_load(&expect))
		return check_done();
	if (!CHECK(geteuid() == 0))
		return check_done();
	const struct passwd *pw = getpwnam("nobody");
	const struct group *gr = getgrnam("ais");
	if (!CHECK(pw != NULL) || !CHECK(gr != NULL))
		return check_done();
	nobody_uid = pw->pw_uid;
	nobody_gid = pw->pw_gid;
	ais_gid = gr->gr_gid;

	/* root itself */
	SaClmHandleT h;
	if (CHECK_RC(clm_init_ready(&h, NULL), SA_AIS_OK))
		CHECK_RC(saClmFinalize(h), SA_AIS_OK);

	run("uid nobody, not in group ais: refused", NOBODY, NULL);
	run("uid nobody, group ais as a supplementary group: accepted", NOBODY_AIS_SUPP, NULL);
	run("uid nobody, group ais as the primary group: accepted", NOBODY_AIS_PRIMARY, NULL);

	char dir[] = "/tmp/clm-access-test-XXXXXX";	/* mode 0700, root's */
	if (CHECK(mkdtemp(dir) != NULL)) {
		run("uid nobody, the socket's directory not searchable: refused",
			NOBODY_NO_SEARCH, dir);
		rmdir(dir);
	}
	return check_done();
}
