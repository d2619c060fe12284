/*
 * rtinfer-sim: the POSIX board. Runs the device firmware as a host process
 * whose serial port is a pseudo-terminal.
 *
 *   rtinfer-sim [--link PATH] [--name DEVICE_ID] [--storage FILE]
 *               [--max-frame N] [--baud N] [--ram BYTES] [--clock wall|cpu]
 *               [--exit-with-parent] [--help]
 *
 * On startup it prints exactly one line to stdout (then nothing else):
 *   RTINFER_SIM pty=<slave> link=<link or -> device_id=<id> pid=<pid> clock_hz=1000000000 clock=<wall|cpu>
 * Diagnostics go to stderr. SIGTERM/SIGINT/SIGHUP: clean exit 0 (the --link
 * symlink is removed). SIGUSR1: device reset (firmware restarts, BOOT flag,
 * same pty). Bad usage: exit 2. Setup failure: exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "handlers.h"
#include "posix_board.h"
#include "posix_cli.h"
#include "posix_clock.h"
#include "posix_flash.h"

#define DEFAULT_DEVICE_ID "posix-sim"

static const char k_usage[] =
    "usage: rtinfer-sim [--link PATH] [--name DEVICE_ID] [--storage FILE] [--max-frame N] [--baud N] [--ram BYTES] [--clock wall|cpu] [--no-gap-fill-ack] [--exit-with-parent] [--help]\n"
    "\n"
    "Runs the rtinfer device firmware on a pseudo-terminal (rtinfer wire protocol v1).\n"
    "\n"
    "  --link PATH       also make PATH a symlink to the pty slave (removed on exit)\n"
    "  --name DEVICE_ID  device_id reported in HELLO: 1-32 of [A-Za-z0-9_-] (default " DEFAULT_DEVICE_ID ")\n"
    "  --storage FILE    flash image file (default $TMPDIR/rtinfer-sim-<DEVICE_ID>.flash)\n"
    "  --max-frame N     max_frame advertised in HELLO, 256..%u (default %u)\n"
    "  --baud N          pace the UART to N baud, 8N1, like a board (default: unpaced)\n"
    "  --ram BYTES       inference memory (HELLO ram), to act like a board with less SRAM (default: all of it)\n"
    "  --clock wall|cpu  what the device clock counts (default wall):\n"
    "                    wall  real time, like a board; a loaded host stretches jobs and delays releases\n"
    "                    cpu   this thread's CPU time while computing, plus waits up to what each wait asked\n"
    "                          for: the same task set gives the same trace however loaded the host is.\n"
    "                          With --baud, a byte still takes 10/baud s of this clock's time.\n"
    "  --no-gap-fill-ack do not ACK at once a chunk that fills a hole (for the push bench's comparison)\n"
    "  --exit-with-parent  stop when the process that started the sim dies (Linux)\n"
    "  --help            show this help\n"
    "\n"
    "Prints one line on stdout once the pty is ready:\n"
    "  RTINFER_SIM pty=<slave path> link=<link path or -> device_id=<id> pid=<pid> clock_hz=1000000000 clock=<wall|cpu>\n"
    "SIGTERM/SIGINT: exit 0. SIGUSR1: reset the device.\n";

static void usage(FILE *f)
{
    fprintf(f, k_usage, (unsigned)RTINFER_MAX_FRAME_CAP, (unsigned)app_effective_max_frame(0));
}

static int bad_usage(const char *what, const char *arg)
{
    fprintf(stderr, "rtinfer-sim: %s%s%s\n", what, arg[0] != '\0' ? ": " : "", arg);
    usage(stderr);
    return 2;
}

/* --ram lower bound: below this not even a tiny model's header fits. */
#define SIM_RAM_MIN 4096ul
#define RTINFER_STR_(x) #x
#define RTINFER_STR(x) RTINFER_STR_(x)

static int open_storage(const char *explicit_path, const char *device_id, char *path, size_t pathlen)
{
    char err[512];
    int busy = 0;
    if (explicit_path != NULL) {
        snprintf(path, pathlen, "%s", explicit_path);
        if (posix_flash_open(path, err, sizeof err, &busy) != 0) {
            fprintf(stderr, "rtinfer-sim: %s\n", err);
            return -1;
        }
        return 0;
    }
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "/tmp";
    }
    snprintf(path, pathlen, "%s/rtinfer-sim-%s.flash", dir, device_id);
    if (posix_flash_open(path, err, sizeof err, &busy) == 0) {
        return 0;
    }
    if (!busy) {
        fprintf(stderr, "rtinfer-sim: %s\n", err);
        return -1;
    }
    /* Another sim with the same default name holds it: use a private,
     * already-unlinked file instead of failing (tests often start several
     * sims at once). Unlinking at once means nothing leaks even on SIGKILL. */
    snprintf(path, pathlen, "%s/rtinfer-sim-%s-%ld.flash", dir, device_id, (long)getpid());
    if (posix_flash_open(path, err, sizeof err, &busy) != 0) {
        fprintf(stderr, "rtinfer-sim: %s\n", err);
        return -1;
    }
    (void)unlink(path);
    fprintf(stderr, "rtinfer-sim: default storage in use by another sim; using a private one (not kept)\n");
    return 1; /* private */
}

/* State that must survive port_reset()'s siglongjmp back into main. */
static sigjmp_buf s_reset_env;
static app_config_t s_cfg;
static char s_device_id[33];
static const char *s_link_path;
static int s_temp_storage;
static char s_storage_path[PATH_MAX];

int main(int argc, char **argv)
{
    const char *storage = NULL;
    const char *name = DEFAULT_DEVICE_ID;
    unsigned long max_frame = 0;
    posix_clock_kind_t clock_kind = POSIX_CLOCK_WALL;

    static const struct option opts[] = {
        {"link", required_argument, NULL, 'l'},
        {"name", required_argument, NULL, 'n'},
        {"storage", required_argument, NULL, 's'},
        {"max-frame", required_argument, NULL, 'm'},
        {"baud", required_argument, NULL, 'b'},
        {"ram", required_argument, NULL, 'r'},
        {"clock", required_argument, NULL, 'c'},
        {"no-gap-fill-ack", no_argument, NULL, 'g'},
        {"exit-with-parent", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case 'l':
            if (optarg[0] == '\0') {
                return bad_usage("--link needs a path", "");
            }
            s_link_path = optarg;
            break;
        case 'n':
            if (!posix_cli_valid_device_id(optarg)) {
                return bad_usage("bad --name (1-32 characters of [A-Za-z0-9_-])", optarg);
            }
            name = optarg;
            break;
        case 's':
            if (optarg[0] == '\0') {
                return bad_usage("--storage needs a path", "");
            }
            storage = optarg;
            break;
        case 'm':
            if (!posix_cli_parse_ulong(optarg, RTP_MAX_FRAME_DEFAULT, RTINFER_MAX_FRAME_CAP, &max_frame)) {
                return bad_usage("bad --max-frame (256..65535 and within this build's limit)", optarg);
            }
            break;
        case 'b': {
            unsigned long baud = 0;
            if (!posix_cli_parse_ulong(optarg, 300ul, 100000000ul, &baud)) {
                return bad_usage("bad --baud (300..100000000)", optarg);
            }
            posix_port_set_baud((uint32_t)baud);
            break;
        }
        case 'r': {
            unsigned long ram = 0;
            if (!posix_cli_parse_ulong(optarg, SIM_RAM_MIN, RTINFER_NN_ARENA_BYTES, &ram)) {
                return bad_usage("bad --ram (4096..this build's inference memory, " RTINFER_STR(RTINFER_NN_ARENA_BYTES) " bytes)", optarg);
            }
            s_cfg.nn_ram = (uint32_t)ram;
            break;
        }
        case 'c':
            if (posix_clock_parse(optarg, &clock_kind) != 0) {
                return bad_usage("bad --clock (wall or cpu)", optarg);
            }
            break;
        case 'g':
            model_transfer_set_gap_fill_ack(false);
            break;
        case 'p':
            /* A host that crashes must not leave a sim holding its pty and flash file. */
            if (posix_cli_exit_with_parent() != 0) {
                return bad_usage("--exit-with-parent is not supported on this system", "");
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default: /* unknown option, or one missing its argument */
            return bad_usage("unknown option or missing argument", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return bad_usage("unexpected argument", argv[optind]);
    }

    snprintf(s_device_id, sizeof s_device_id, "%s", name);
    s_cfg.max_frame = (uint16_t)max_frame;
    posix_clock_select(clock_kind);
    posix_port_set_device_id(s_device_id);

    char err[512];
    if (posix_port_install_signals(err, sizeof err) != 0) {
        fprintf(stderr, "rtinfer-sim: %s\n", err);
        return 1;
    }
    s_temp_storage = open_storage(storage, s_device_id, s_storage_path, sizeof s_storage_path);
    if (s_temp_storage < 0) {
        return 1;
    }
    if (posix_pty_open(err, sizeof err) != 0) {
        fprintf(stderr, "rtinfer-sim: %s\n", err);
        posix_flash_close();
        return 1;
    }
    if (s_link_path != NULL && posix_cli_make_link("rtinfer-sim", s_link_path, posix_pty_slave_path()) != 0) {
        posix_pty_close();
        posix_flash_close();
        return 1;
    }

    printf("RTINFER_SIM pty=%s link=%s device_id=%s pid=%ld clock_hz=%llu clock=%s\n", posix_pty_slave_path(),
           s_link_path != NULL ? s_link_path : "-", s_device_id, (long)getpid(),
           (unsigned long long)POSIX_CLOCK_HZ, posix_clock_name(posix_clock_kind()));
    fflush(stdout);
    fprintf(stderr, "rtinfer-sim: device_id=%s storage=%s%s max_frame=%u\n", s_device_id, s_storage_path,
            s_temp_storage == 1 ? " (private, unlinked)" : "", (unsigned)app_effective_max_frame(s_cfg.max_frame));

    posix_port_set_reset_target(&s_reset_env);
    (void)sigsetjmp(s_reset_env, 1); /* port_reset() lands here */
    posix_port_restart_clock();
    app_run(&s_cfg);

    fprintf(stderr, "rtinfer-sim: signal %d, exiting\n", posix_port_stop_signal());
    if (s_link_path != NULL) {
        posix_cli_remove_link(s_link_path, posix_pty_slave_path());
    }
    posix_pty_close();
    posix_flash_close();
    return 0;
}
