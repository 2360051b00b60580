// SPDX-License-Identifier: GPL-2.0
/*
 * kwine check: mmap() of an image section is checked by the LSMs as
 * mmap() of the PE file would be, with the credentials of whoever maps it,
 * whoever created the section.  Run by scripts/guest/lsm-check with two
 * AppArmor profiles loaded: ALLOW lets a process map DIR/noexec.dll
 * executable, DENY lets it read the file but not map it executable.
 *
 *   section-lsm ALLOW DENY DIR
 *
 * Two children, one under each profile, each create a section and open
 * the file, map both with PROT_EXEC, and hand them to the other over a
 * socket, which maps them too.  A section must get exactly what the plain
 * file gets, and the profiles must decide for a process's own files.
 * Prints KTAP; exits non-zero if any check fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/ntsync.h>

#include "minipe.h"

static char path[256];

static int section_of(int dev, const char *file)
{
	struct ntsync_section_args args = { 0 };
	int sfd;

	args.fd = open(file, O_RDONLY | O_CLOEXEC);
	if (args.fd < 0)
		return -1;
	sfd = ioctl(dev, NTSYNC_IOC_CREATE_SECTION, &args);
	close(args.fd);
	return sfd;
}

static int send_fds(int s, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))] = { 0 }, c = 'f';
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	return sendmsg(s, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fds(int s, int *fds, int n)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))], c;
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;

	if (recvmsg(s, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(n * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(cm), n * sizeof(int));
	return 0;
}

/* 0 if @fd maps executable, else the errno. */
static int try_exec_map(int fd)
{
	void *p = mmap(NULL, MINIPE_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE,
		       fd, 0);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, MINIPE_SIZE);
	return 0;
}

static int confine(const char *profile)
{
	char buf[256];
	int fd, len;

	len = snprintf(buf, sizeof(buf), "changeprofile %s", profile);
	fd = open("/proc/self/attr/apparmor/current", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/proc/self/attr/current", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, len) != len)
		return -1;
	close(fd);
	return 0;
}

/*
 * One side: under @profile, send a section and a plain fd of the file to
 * the other side, map what comes back, and write to @out: its own direct
 * result, then the section's and the file's results for the fds received.
 */
static int side(const char *profile, int sock, int out)
{
	int dev, fds[2], res[4];

	if (confine(profile))
		return 10;
	dev = open("/dev/ntsync", O_RDWR | O_CLOEXEC);
	fds[0] = section_of(dev, path);
	fds[1] = open(path, O_RDONLY | O_CLOEXEC);
	if (dev < 0 || fds[0] < 0 || fds[1] < 0)
		return 11;
	res[0] = try_exec_map(fds[0]);
	res[1] = try_exec_map(fds[1]);
	if (send_fds(sock, fds, 2))
		return 12;
	close(fds[0]);
	close(fds[1]);
	if (recv_fds(sock, fds, 2))
		return 13;
	res[2] = try_exec_map(fds[0]);
	res[3] = try_exec_map(fds[1]);
	return write(out, res, sizeof(res)) == sizeof(res) ? 0 : 14;
}

static int n, failed;

static void check(int ok, const char *name, const char *fmt, int a, int b)
{
	printf("%sok %d %s", ok ? "" : "not ", ++n, name);
	if (!ok) {
		printf(" # ");
		printf(fmt, strerror(a), strerror(b));
	}
	printf("\n");
	failed |= !ok;
}

int main(int argc, char **argv)
{
	int sock[2], out[2], res[2][4], status[2], i;
	pid_t pid[2];

	if (argc != 4) {
		fprintf(stderr, "usage: section-lsm ALLOW DENY DIR\n");
		return 2;
	}
	printf("KTAP version 1\n1..6\n");
	snprintf(path, sizeof(path), "%s/noexec.dll", argv[3]);
	if (mini_pe(path, 0644) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock)) {
		printf("# setup: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < 2; i++) {
		if (pipe(out) || (pid[i] = fork()) < 0)
			return 1;
		if (!pid[i]) {
			close(out[0]);
			_exit(side(argv[1 + i], sock[i], out[1]));
		}
		close(out[1]);
		status[i] = out[0];
	}
	for (i = 0; i < 2; i++) {
		int fd = status[i], st;

		memset(res[i], 0xff, sizeof(res[i]));
		if (read(fd, res[i], sizeof(res[i])) != sizeof(res[i]))
			printf("# side %d reported nothing\n", i);
		close(fd);
		waitpid(pid[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("# side %d (%s): exit status %#x\n", i, argv[1 + i], st);
			failed = 1;
		}
	}
	/*
	 * Side 0 is ALLOW, side 1 DENY.  res[x]: x's own section and file,
	 * then the section and the file the other side opened.  For an fd
	 * another task opened, AppArmor's answer depends on both; whatever
	 * it is, the section must get the plain file's.
	 */
	printf("# ALLOW: own %d/%d, other's %d/%d; DENY: own %d/%d, other's %d/%d (section/file errno)\n",
	       res[0][0], res[0][1], res[0][2], res[0][3],
	       res[1][0], res[1][1], res[1][2], res[1][3]);
	check(res[0][0] == 0, "allowed_creator_maps_its_section_exec",
	      "got %s%.0s", res[0][0], 0);
	check(res[1][0] == EACCES, "denied_creator_refused_its_section_exec",
	      "got %s%.0s", res[1][0], 0);
	check(res[0][0] == res[0][1], "own_section_as_own_file_allowed_side",
	      "section %s, file %s", res[0][0], res[0][1]);
	check(res[1][0] == res[1][1], "own_section_as_own_file_denied_side",
	      "section %s, file %s", res[1][0], res[1][1]);
	check(res[0][2] == res[0][3], "delegated_section_as_delegated_file_allowed_side",
	      "section %s, file %s", res[0][2], res[0][3]);
	check(res[1][2] == res[1][3], "delegated_section_as_delegated_file_denied_side",
	      "section %s, file %s", res[1][2], res[1][3]);
	return failed;
}
