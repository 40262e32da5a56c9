/*
 * The device model of a restored HVM domain: Debian's qemu-xen, started as
 * libxl starts it for `xl restore` (same program, same machine and
 * devices), with the saved device state on an fd (-incoming fd:), and
 * driven over its QMP monitor as libxl drives it: wait until the state is
 * loaded, learn the serial pty (query-chardev) for xenstore, "cont" when
 * the domain is unpaused; at suspend "stop" and "xen-save-devices-state".
 *
 * The monitor socket is /var/run/xen/qmp-libxl-<domid>, libxl's path, so
 * that either toolstack can drive a device model the other started.  It is
 * bound and listening before qemu starts (qemu inherits it, as with
 * libxl's dm_restrict), so connecting never races qemu's start; qemu runs
 * with -S and only "cont" lets the devices run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json.h>

#include "sif/io.h"
#include "xen_real.h"

#define DM_PROGRAM   "/usr/libexec/xen-qemu-system-i386"   /* libxl's qemu-xen */
#define QMP_PATH     "/var/run/xen/qmp-libxl-%u"
#define QMP_STAT     "/var/run/xen/qmp-libxenstat-%u"
#define DM_LOG       "/var/log/xen/qemu-dm-%.200s.log"
#define START_MS     60000      /* libxl's LIBXL_DEVICE_MODEL_START_TIMEOUT */
#define COMMAND_MS   60000
#define QMP_LINE_MAX 65536

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- QMP: one JSON object per line ----------------------------------------- */

static int qmp_read(int fd, long long deadline, struct json_object **out, uint32_t domid,
		    struct sif_err *err)
{
	char *line = malloc(QMP_LINE_MAX);
	size_t n = 0;
	int rc = -1;

	if (!line)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t got;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			sif_errf(err, SIF_EBACKEND, "device model of domain %u: no answer on its QMP "
				 "monitor within %d s", domid, COMMAND_MS / 1000);
			goto out;
		}
		got = read(fd, line + n, 1);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			sif_errf(err, SIF_EBACKEND, "device model of domain %u closed its QMP monitor "
				 "(did it exit? see " "/var/log/xen/qemu-dm-*.log)", domid);
			goto out;
		}
		if (line[n] == '\n')
			break;
		if (++n == QMP_LINE_MAX - 1) {
			sif_errf(err, SIF_EBACKEND, "device model of domain %u: QMP message over %d "
				 "bytes", domid, QMP_LINE_MAX);
			goto out;
		}
	}
	line[n] = '\0';
	*out = json_tokener_parse(line);
	if (!*out) {
		sif_errf(err, SIF_EBACKEND, "device model of domain %u: QMP sent what is not JSON: "
			 "%.80s", domid, line);
		goto out;
	}
	rc = 0;
out:
	free(line);
	return rc;
}

/*
 * Run one command; *ret (may be NULL) gets its "return" value.  Events
 * that arrive meanwhile are skipped.
 */
static int qmp_execute(int fd, uint32_t domid, const char *cmd, struct json_object *args,
		       struct json_object **ret, struct sif_err *err)
{
	struct json_object *req = json_object_new_object(), *msg = NULL, *v;
	long long deadline = now_ms() + COMMAND_MS;
	const char *text;
	int rc = -1;

	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", json_object_get(args));
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (sif_write_exact(fd, text, strlen(text), "QMP monitor", err) < 0 ||
	    sif_write_exact(fd, "\r\n", 2, "QMP monitor", err) < 0)
		goto out;
	for (;;) {
		if (qmp_read(fd, deadline, &msg, domid, err) < 0)
			goto out;
		if (json_object_object_get_ex(msg, "return", &v)) {
			if (ret)
				*ret = json_object_get(v);
			break;
		}
		if (json_object_object_get_ex(msg, "error", &v)) {
			struct json_object *desc = NULL;

			json_object_object_get_ex(v, "desc", &desc);
			sif_errf(err, SIF_EBACKEND, "device model of domain %u: QMP %s failed: %s",
				 domid, cmd, desc ? json_object_get_string(desc) : "(no description)");
			goto out;
		}
		json_object_put(msg);           /* an event */
		msg = NULL;
	}
	rc = 0;
out:
	json_object_put(msg);
	json_object_put(req);
	return rc;
}

/* Connect to the monitor of domid's device model and leave command mode on. */
static int qmp_connect(uint32_t domid, int *out, struct sif_err *err)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct json_object *greeting = NULL;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*out = -1;
	snprintf(un.sun_path, sizeof(un.sun_path), QMP_PATH, domid);
	if (fd < 0)
		return sif_errno(err, SIF_EBACKEND, "socket for QMP");
	if (connect(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
		close(fd);
		return sif_errno(err, SIF_EBACKEND, "device model of domain %u: connecting to %s",
				 domid, un.sun_path);
	}
	if (qmp_read(fd, now_ms() + START_MS, &greeting, domid, err) < 0 ||
	    qmp_execute(fd, domid, "qmp_capabilities", NULL, NULL, err) < 0) {
		json_object_put(greeting);
		close(fd);
		return -1;
	}
	json_object_put(greeting);
	*out = fd;
	return 0;
}

/* our monitor connection to domid's device model, made when needed */
static int qmp_of(struct xr *r, uint32_t domid, struct sif_err *err)
{
	if (r->dm.domid != domid) {
		if (r->dm.qmp >= 0)
			close(r->dm.qmp);
		r->dm = (struct xr_dm){ .domid = domid, .qmp = -1 };
	}
	if (r->dm.qmp < 0 && qmp_connect(domid, &r->dm.qmp, err) < 0)
		return -1;
	return r->dm.qmp;
}

static int query_status(int fd, uint32_t domid, char *status, size_t size, struct sif_err *err)
{
	struct json_object *ret = NULL, *s;

	if (qmp_execute(fd, domid, "query-status", NULL, &ret, err) < 0)
		return -1;
	if (!json_object_object_get_ex(ret, "status", &s)) {
		json_object_put(ret);
		return sif_errf(err, SIF_EBACKEND, "device model of domain %u: query-status "
				"without a status", domid);
	}
	snprintf(status, size, "%s", json_object_get_string(s));
	json_object_put(ret);
	return 0;
}

/* --- starting ----------------------------------------------------------------- */

/* The last line qemu logged, to say why it failed. */
static void log_tail(const char *name, char *out, size_t size)
{
	char path[256], buf[4096];
	ssize_t n;
	int fd;

	out[0] = '\0';
	snprintf(path, sizeof(path), DM_LOG, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (lseek(fd, 0, SEEK_END) > (off_t)sizeof(buf) - 1)
		lseek(fd, -(off_t)(sizeof(buf) - 1), SEEK_END);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	snprintf(out, size, "%.200s", strrchr(buf, '\n') ? strrchr(buf, '\n') + 1 : buf);
}

static int listen_at(const char *path, struct sif_err *err)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	if (fd < 0)
		return sif_errno(err, SIF_EBACKEND, "socket for %s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0 || listen(fd, 1) < 0) {
		sif_errno(err, SIF_EBACKEND, "listening on %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* the saved state on an fd qemu can read to its end */
static int state_fd(const void *state, size_t len, struct sif_err *err)
{
	int fd = memfd_create("sif-qemu-resume", MFD_CLOEXEC);

	if (fd < 0)
		return sif_errno(err, SIF_EBACKEND, "memfd for the device-model state");
	if (sif_write_exact(fd, state, len, "device-model state", err) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int spawn_qemu(struct xr *r, uint32_t domid, int qmp_fd, int st_fd, pid_t *pid,
		      struct sif_err *err)
{
	char id[16], mem[32], stat_chardev[128], log[256];
	const char *argv[40] = {
		DM_PROGRAM, "-xen-domid", id, "-no-shutdown",
		"-chardev", "socket,id=libxl-cmd,fd=3,server=on,wait=off", "-S",
		"-mon", "chardev=libxl-cmd,mode=control",
		"-chardev", stat_chardev, "-mon", "chardev=libxenstat-cmd,mode=control",
		"-nodefaults", "-no-user-config", "-name", r->name,
		"-vnc", "none", "-display", "none",
	};
	size_t n = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, deflt;
	int logfd, rc;

	while (argv[n])
		n++;
	/* as libxl orders them: boot files, serial, net, machine, memory */
	if (r->boot_kernel) {
		argv[n++] = "-kernel";
		argv[n++] = r->boot_kernel;
	}
	if (r->boot_ramdisk) {
		argv[n++] = "-initrd";
		argv[n++] = r->boot_ramdisk;
	}
	if (r->boot_cmdline) {
		argv[n++] = "-append";
		argv[n++] = r->boot_cmdline;
	}
	argv[n++] = "-serial";
	argv[n++] = "pty";
	argv[n++] = "-net";
	argv[n++] = "none";
	argv[n++] = "-machine";
	argv[n++] = "xenfv,suppress-vmdesc=on";
	argv[n++] = "-m";
	argv[n++] = mem;
	argv[n++] = "-incoming";
	argv[n++] = "fd:4";
	argv[n] = NULL;
	snprintf(id, sizeof(id), "%u", domid);
	snprintf(mem, sizeof(mem), "%llu", (unsigned long long)(r->spec.memory_kib / 1024));
	snprintf(stat_chardev, sizeof(stat_chardev),
		 "socket,id=libxenstat-cmd,path=" QMP_STAT ",server=on,wait=off", domid);
	snprintf(log, sizeof(log), DM_LOG, r->name);
	logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0)
		return sif_errno(err, SIF_EBACKEND, "%s", log);
	sigemptyset(&none);
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, logfd, 1);
	posix_spawn_file_actions_adddup2(&fa, logfd, 2);
	posix_spawn_file_actions_adddup2(&fa, qmp_fd, 3);
	posix_spawn_file_actions_adddup2(&fa, st_fd, 4);
	posix_spawn_file_actions_addclosefrom_np(&fa, 5);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &deflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(pid, DM_PROGRAM, &fa, &at, (char *const *)argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	close(logfd);
	if (rc) {
		errno = rc;
		return sif_errno(err, SIF_EBACKEND, "starting the device model %s", DM_PROGRAM);
	}
	return 0;
}

/* until qemu has loaded the state (paused, -S) or gave up */
static int wait_loaded(struct xr *r, uint32_t domid, struct sif_err *err)
{
	long long deadline = now_ms() + START_MS;
	char status[64], why[256];
	int st;

	for (;;) {
		if (waitpid(r->dm.pid, &st, WNOHANG) == r->dm.pid) {
			r->dm.pid = 0;
			log_tail(r->name, why, sizeof(why));
			return sif_errf(err, SIF_EBACKEND, "device model of domain %u exited (%s %d) "
					"while loading the saved state: %s", domid,
					WIFEXITED(st) ? "status" : "signal",
					WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
					why[0] ? why : "(nothing in its log)");
		}
		if (query_status(r->dm.qmp, domid, status, sizeof(status), err) < 0)
			return -1;
		if (!strcmp(status, "paused") || !strcmp(status, "prelaunch"))
			return 0;
		if (strcmp(status, "inmigrate")) {
			log_tail(r->name, why, sizeof(why));
			return sif_errf(err, SIF_EBACKEND, "device model of domain %u is '%s' after "
					"loading the saved state, not paused: %s", domid, status,
					why[0] ? why : "(nothing in its log)");
		}
		if (now_ms() > deadline)
			return sif_errf(err, SIF_EBACKEND, "device model of domain %u did not load "
					"the saved state within %d s", domid, START_MS / 1000);
		usleep(20000);
	}
}

/* libxl's postconfig: the serial ports' ptys into xenstore */
static int publish_serial(struct xr *r, uint32_t domid, struct sif_err *err)
{
	struct json_object *list = NULL;
	int rc = -1;

	if (qmp_execute(r->dm.qmp, domid, "query-chardev", NULL, &list, err) < 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *c = json_object_array_get_idx(list, i), *l, *f;
		const char *label, *file;
		char *end;
		long port;

		if (!json_object_object_get_ex(c, "label", &l) ||
		    !json_object_object_get_ex(c, "filename", &f))
			continue;
		label = json_object_get_string(l);
		file = json_object_get_string(f);
		if (strncmp(label, "serial", 6) || strncmp(file, "pty:", 4))
			continue;
		port = strtol(label + 6, &end, 10);
		if (end == label + 6 || *end || port < 0)
			continue;
		if (xr_xs_printf(r, file + 4, err, "/local/domain/%u/serial/%ld/tty", domid, port) < 0)
			goto out;
	}
	rc = 0;
out:
	json_object_put(list);
	return rc;
}

int xr_dm_start(struct xr *r, uint32_t domid, const void *state, size_t len,
		struct sif_err *err)
{
	char path[64], pid[32];
	int lfd = -1, sfd = -1, rc = -1;

	if (r->dm.domid && r->dm.domid != domid)
		return sif_errf(err, SIF_EBACKEND, "a device model for domain %u is already "
				"being handled", r->dm.domid);
	mkdir("/var/run/xen", 0755);
	mkdir("/var/log/xen", 0755);
	snprintf(path, sizeof(path), QMP_PATH, domid);
	if ((lfd = listen_at(path, err)) < 0 || (sfd = state_fd(state, len, err)) < 0)
		goto out;
	snprintf(path, sizeof(path), "/local/domain/0/device-model/%u", domid);
	if (!X.xs_mkdir(r->xsh, XBT_NULL, path)) {
		sif_errno(err, SIF_EBACKEND, "xenstore mkdir %s", path);
		goto out;
	}
	r->dm = (struct xr_dm){ .domid = domid, .qmp = -1 };
	snprintf(r->dm.name, sizeof(r->dm.name), "%.63s", r->name);
	if (spawn_qemu(r, domid, lfd, sfd, &r->dm.pid, err) < 0)
		goto out;
	snprintf(pid, sizeof(pid), "%d", (int)r->dm.pid);
	if (xr_xs_printf(r, pid, err, "/local/domain/%u/image/device-model-pid", domid) < 0 ||
	    qmp_connect(domid, &r->dm.qmp, err) < 0 || wait_loaded(r, domid, err) < 0 ||
	    publish_serial(r, domid, err) < 0)
		goto out;
	rc = 0;
out:
	if (lfd >= 0)
		close(lfd);
	if (sfd >= 0)
		close(sfd);
	if (rc < 0 && r->dm.pid)
		xr_dm_kill(r, domid);
	return rc;
}

int xr_dm_cont(struct xr *r, uint32_t domid, struct sif_err *err)
{
	char status[64];
	int fd = qmp_of(r, domid, err);

	if (fd < 0 || qmp_execute(fd, domid, "cont", NULL, NULL, err) < 0 ||
	    query_status(fd, domid, status, sizeof(status), err) < 0)
		return -1;
	if (strcmp(status, "running"))
		return sif_errf(err, SIF_EBACKEND, "device model of domain %u is '%s' after "
				"\"cont\", not running", domid, status);
	return 0;
}

int xr_dm_save(struct xr *r, uint32_t domid, const char *path, struct sif_err *err)
{
	struct json_object *args;
	int fd = qmp_of(r, domid, err), rc;

	if (fd < 0 || qmp_execute(fd, domid, "stop", NULL, NULL, err) < 0)
		return -1;
	unlink(path);
	args = json_object_new_object();
	json_object_object_add(args, "filename", json_object_new_string(path));
	json_object_object_add(args, "live", json_object_new_boolean(0));
	rc = qmp_execute(fd, domid, "xen-save-devices-state", args, NULL, err);
	json_object_put(args);
	return rc;
}

int xr_dm_logdirty(struct xr *r, uint32_t domid, bool enable, struct sif_err *err)
{
	struct json_object *args;
	int fd = qmp_of(r, domid, err), rc;

	if (fd < 0)
		return -1;
	args = json_object_new_object();
	json_object_object_add(args, "enable", json_object_new_boolean(enable));
	rc = qmp_execute(fd, domid, "xen-set-global-dirty-log", args, NULL, err);
	json_object_put(args);
	return rc;
}

/* the pid of domid's device model from xenstore (libxl writes it too), or 0 */
static pid_t dm_pid(struct xr *r, uint32_t domid)
{
	char *v;
	long pid;

	if (r->dm.domid == domid && r->dm.pid)
		return r->dm.pid;
	v = xr_xs_readf(r, "/local/domain/%u/image/device-model-pid", domid);
	pid = v ? strtol(v, NULL, 10) : 0;
	free(v);
	return pid > 1 ? (pid_t)pid : 0;
}

/* alive and not a zombie nobody reaps */
static bool running(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool alive = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
		alive = p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return alive;
}

bool xr_dm_exists(struct xr *r, uint32_t domid)
{
	pid_t pid = dm_pid(r, domid);

	return pid && running(pid);
}

void xr_dm_kill(struct xr *r, uint32_t domid)
{
	pid_t pid = dm_pid(r, domid);
	bool ours = r->dm.domid == domid && r->dm.pid == pid && pid;
	char path[64];

	if (r->dm.domid == domid) {
		if (r->dm.qmp >= 0)
			close(r->dm.qmp);
		r->dm = (struct xr_dm){ .qmp = -1 };
	}
	if (pid) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 500; i++) {
			if (ours ? waitpid(pid, NULL, WNOHANG) == pid : !running(pid))
				break;
			if (i == 300)
				kill(pid, SIGKILL);
			usleep(10000);
		}
	}
	snprintf(path, sizeof(path), QMP_PATH, domid);
	unlink(path);
	snprintf(path, sizeof(path), QMP_STAT, domid);
	unlink(path);
}
