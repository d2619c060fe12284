/*
 * What the hosted programs built on the POSIX board (rtinfer-sim, rtinfer-agent) share on their command line:
 * option values, the device id rule, the --link symlink to the pty, and --exit-with-parent.
 */
#ifndef RTINFER_POSIX_CLI_H
#define RTINFER_POSIX_CLI_H

/* A decimal option value in [min, max] into *out; 0 if it is not one. */
int posix_cli_parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out);

/* 1 if s is a device id (SPEC: 1-32 of [A-Za-z0-9_-], it doubles as an MQTT topic level), else 0. */
int posix_cli_valid_device_id(const char *s);

/* --link: symlink PATH -> target, atomically replacing an existing symlink; refuses to replace anything that
 * is not a symlink. Errors go to stderr prefixed with `program`. Returns 0 or -1. */
int posix_cli_make_link(const char *program, const char *path, const char *target);

/* Removes the link only if it still points at target (another process may have taken the name over since). */
void posix_cli_remove_link(const char *path, const char *target);

/* --exit-with-parent: SIGTERM when the parent dies (Linux). -1 where the system cannot, or the parent is gone. */
int posix_cli_exit_with_parent(void);

#endif
