/*
 * POSIX board internals shared by its files (not part of port.h).
 * The POSIX board runs the firmware as a host process whose "UART" is the
 * master side of a pseudo-terminal; the host opens the slave side.
 */
#ifndef RTINFER_POSIX_BOARD_H
#define RTINFER_POSIX_BOARD_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#define POSIX_BOARD_NAME "posix_sim"
#define POSIX_CLOCK_HZ 1000000000ull

/* --- pseudo-terminal (posix_pty.c) --- */

/* Creates the pty pair in raw mode and keeps the slave open (see .c).
 * Returns 0, or -1 with a message in err. */
int posix_pty_open(char *err, size_t errlen);
void posix_pty_close(void);
int posix_pty_master_fd(void);
const char *posix_pty_slave_path(void);
/* Non-blocking read from the master: bytes read, 0 if none (EIO = none). */
size_t posix_pty_read(uint8_t *buf, size_t cap);
/* Writes all bytes; drops the rest if the peer does not drain for a while. */
void posix_pty_write(const uint8_t *data, size_t len);
/* Bytes discarded because nobody drained the pty. */
uint64_t posix_pty_dropped(void);

/* --- port glue (posix_port.c) --- */

/* The id reported as device_id; must outlive the process. */
void posix_port_set_device_id(const char *id);
/* The board name reported in HELLO (default POSIX_BOARD_NAME; the OP-TEE agent on this board says its own). */
void posix_port_set_board_name(const char *name);
/* Where port_reset() jumps to (main re-enters the app from there). */
void posix_port_set_reset_target(sigjmp_buf *env);
/* Restarts port_ticks() at 0 (boot, and after a reset). */
void posix_port_restart_clock(void);

/* Paces the UART to `baud` (8N1: baud/10 bytes per second each way); 0: as fast as the pty goes. */
void posix_port_set_baud(uint32_t baud);
/* Wakes port_idle() from another thread (a network library's callback). Thread- and signal-safe. */
void posix_port_wake(void);
/* Installs SIGTERM/SIGINT/SIGHUP (stop) and SIGUSR1 (reset) handlers. */
int posix_port_install_signals(char *err, size_t errlen);
/* Signal number that stopped the board, 0 if none. */
int posix_port_stop_signal(void);

#endif
