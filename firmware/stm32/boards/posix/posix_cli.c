/* Command-line helpers of the hosted programs on the POSIX board (see posix_cli.h). */
#define _GNU_SOURCE
#include "posix_cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int posix_cli_parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value < min || value > max) {
        return 0;
    }
    *out = value;
    return 1;
}

int posix_cli_valid_device_id(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 32 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int posix_cli_make_link(const char *program, const char *path, const char *target)
{
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
        fprintf(stderr, "%s: --link %s exists and is not a symlink\n", program, path);
        return -1;
    }
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp) {
        fprintf(stderr, "%s: --link path too long\n", program);
        return -1;
    }
    (void)unlink(tmp);
    if (symlink(target, tmp) != 0) {
        fprintf(stderr, "%s: symlink %s: %s\n", program, tmp, strerror(errno));
        return -1;
    }
    if (rename(tmp, path) != 0) {
        fprintf(stderr, "%s: rename %s -> %s: %s\n", program, tmp, path, strerror(errno));
        (void)unlink(tmp);
        return -1;
    }
    return 0;
}

void posix_cli_remove_link(const char *path, const char *target)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0) {
        return;
    }
    buf[n] = '\0';
    if (strcmp(buf, target) == 0) {
        (void)unlink(path);
    }
}

int posix_cli_exit_with_parent(void)
{
#ifdef __linux__
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
        return -1;
    }
    return getppid() == 1 ? -1 : 0; /* the parent may already be gone */
#else
    return -1;
#endif
}
