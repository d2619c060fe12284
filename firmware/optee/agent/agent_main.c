/*
 * rtinfer-agent: the Pi's normal-world daemon. It speaks protocol v1 as the device side (the STM32 app's
 * link, dispatch, HELLO, PING and model transfer, firmware/stm32/app), with the TA as its engine
 * (agent_engine.c, agent_infer.c) reached only through the TEE Client API. Its serial link is a
 * pseudo-terminal, as the POSIX sim's (firmware/stm32/boards/posix); its slots are the same file-backed store.
 *
 *   rtinfer-agent [--link PATH] [--name DEVICE_ID] [--storage FILE] [--board NAME] [--max-frame N]
 *                 [--signer HEX]... [--require-signed] [--mqtt URL [--mqtt-user NAME] [--mqtt-password-file FILE]
 *                 [--mqtt-ca FILE]] [--allow-no-tee] [--exit-with-parent] [--help]
 *
 * On startup it prints exactly one line to stdout:
 *   RTINFER_AGENT pty=<slave> link=<link or -> device_id=<id> pid=<pid> clock_hz=1000000000 board=<board>
 *   tee_heap=<bytes> tee_key_sha256=<64 hex> mqtt=<url or ->
 * With --mqtt the protocol runs on MQTT (SPEC §5) instead of the pty (which is still made, and not served).
 * SIGTERM/SIGINT/SIGHUP: exit 0. SIGUSR1: restart (the active slot is loaded into the TA again). Bad usage:
 * exit 2. Setup failure (no TA, storage, pty): exit 1.
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

#include "agent_dispatch_taskset.h"
#include "agent_mqtt.h"
#include "agent_tee.h"
#include "app.h"
#include "posix_board.h"
#include "posix_cli.h"
#include "posix_clock.h"
#include "posix_flash.h"

static const char k_usage[] =
    "usage: rtinfer-agent [--link PATH] [--name DEVICE_ID] [--storage FILE] [--board NAME] [--max-frame N] [--signer HEX]... [--require-signed] [--mqtt URL [--mqtt-user NAME] [--mqtt-password-file FILE] [--mqtt-ca FILE]] [--allow-no-tee] [--exit-with-parent] [--help]\n"
    "\n"
    "The rtinfer OP-TEE agent: protocol v1 on a pseudo-terminal, models sealed into the rtinfer TA.\n"
    "\n"
    "  --link PATH       also make PATH a symlink to the pty slave (removed on exit)\n"
    "  --name DEVICE_ID  device_id in HELLO and the id the TA's key is bound to: 1-32 of [A-Za-z0-9_-] (default optee-agent)\n"
    "  --storage FILE    the model slots' file (default $TMPDIR/rtinfer-agent-<DEVICE_ID>.flash)\n"
    "  --board NAME      board in HELLO: optee_sim (default, teesim), optee_qemu_v8 or optee_rpi3\n"
    "  --max-frame N     max_frame advertised in HELLO, 256..65535 (default 4096)\n"
    "  --signer HEX      pin the lab's Ed25519 public key (64 hex digits) in the TA; up to 4 times\n"
    "  --require-signed  the TA refuses unsigned containers (the pinned set then cannot change)\n"
    "  --mqtt URL        speak on MQTT instead of the pty: mqtt://host[:port] or mqtts://host[:port] (SPEC 5 topics)\n"
    "  --mqtt-user NAME  the agent's own broker credentials; --mqtt-password-file FILE holds the password\n"
    "  --mqtt-ca FILE    the CA the broker's certificate must chain to (required for mqtts)\n"
    "  --allow-no-tee    a task set may ask for the no-TEE baseline policy (refused all the same: no plaintext model here)\n"
    "  --exit-with-parent  stop when the process that started the agent dies\n"
    "\n"
    "Prints one line on stdout once the pty is ready:\n"
    "  RTINFER_AGENT pty=<slave> link=<link or -> device_id=<id> pid=<pid> clock_hz=1000000000 board=<board> tee_heap=<bytes> tee_key_sha256=<hex> mqtt=<url or ->\n";

static int bad_usage(const char *what, const char *arg)
{
    fprintf(stderr, "rtinfer-agent: %s%s%s\n%s", what, arg[0] != '\0' ? ": " : "", arg, k_usage);
    return 2;
}

/* 64 hex digits -> 32 bytes; 0 if it is not that. */
static int parse_key(const char *hex, uint8_t out[32])
{
    if (strlen(hex) != 64 || strspn(hex, "0123456789abcdefABCDEF") != 64) {
        return 0;
    }
    for (int i = 0; i < 32; i++) {
        unsigned byte = 0;
        (void)sscanf(hex + 2 * i, "%2x", &byte);
        out[i] = (uint8_t)byte;
    }
    return 1;
}

static int valid_board(const char *s)
{
    return strcmp(s, "optee_sim") == 0 || strcmp(s, "optee_qemu_v8") == 0 || strcmp(s, "optee_rpi3") == 0;
}

static sigjmp_buf s_reset_env;
static app_config_t s_cfg;
static char s_device_id[33];
static char s_board[32];
static const char *s_link_path;

int main(int argc, char **argv)
{
    const char *storage = NULL;
    const char *name = "optee-agent";
    const char *board = "optee_sim";
    unsigned long max_frame = 0;
    static uint8_t signers[RTINFER_TA_MAX_SIGNERS][32];
    uint32_t signer_count = 0;
    int require_signed = 0;
    agent_mqtt_config mqtt = {0};
    static const struct option opts[] = {
        {"link", required_argument, NULL, 'l'},      {"name", required_argument, NULL, 'n'},
        {"storage", required_argument, NULL, 's'},   {"board", required_argument, NULL, 'b'},
        {"max-frame", required_argument, NULL, 'm'}, {"exit-with-parent", no_argument, NULL, 'p'},
        {"signer", required_argument, NULL, 'k'},    {"require-signed", no_argument, NULL, 'r'},
        {"mqtt", required_argument, NULL, 'q'},      {"mqtt-user", required_argument, NULL, 'u'},
        {"mqtt-password-file", required_argument, NULL, 'w'}, {"mqtt-ca", required_argument, NULL, 'c'},
        {"allow-no-tee", no_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
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
        case 'b':
            if (!valid_board(optarg)) {
                return bad_usage("bad --board (optee_sim, optee_qemu_v8 or optee_rpi3)", optarg);
            }
            board = optarg;
            break;
        case 'm':
            if (!posix_cli_parse_ulong(optarg, 256, 65535, &max_frame)) {
                return bad_usage("bad --max-frame (256..65535)", optarg);
            }
            break;
        case 'k':
            if (signer_count == RTINFER_TA_MAX_SIGNERS || !parse_key(optarg, signers[signer_count])) {
                return bad_usage("bad --signer (64 hex digits, at most 4 keys)", optarg);
            }
            signer_count++;
            break;
        case 'r':
            require_signed = 1;
            break;
        case 'q':
            mqtt.url = optarg;
            break;
        case 'u':
            mqtt.username = optarg;
            break;
        case 'w':
            mqtt.password_file = optarg;
            break;
        case 'c':
            mqtt.ca_file = optarg;
            break;
        case 'p':
            if (posix_cli_exit_with_parent() != 0) {
                return bad_usage("--exit-with-parent: the parent is gone or the system cannot tell", "");
            }
            break;
        case 'N':
            agent_taskset_allow_no_tee(1);
            break;
        case 'h':
            fputs(k_usage, stdout);
            return 0;
        default:
            return bad_usage("unknown option or missing argument", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return bad_usage("unexpected argument", argv[optind]);
    }
    if (mqtt.url == NULL && (mqtt.username != NULL || mqtt.password_file != NULL || mqtt.ca_file != NULL)) {
        return bad_usage("--mqtt-user, --mqtt-password-file and --mqtt-ca go with --mqtt", "");
    }
    snprintf(s_device_id, sizeof s_device_id, "%s", name);
    snprintf(s_board, sizeof s_board, "%s", board);
    s_cfg.max_frame = (uint16_t)max_frame;
    posix_clock_select(POSIX_CLOCK_WALL);
    posix_port_set_device_id(s_device_id);
    posix_port_set_board_name(s_board);

    char err[512];
    if (posix_port_install_signals(err, sizeof err) != 0) {
        fprintf(stderr, "rtinfer-agent: %s\n", err);
        return 1;
    }
    char storage_path[PATH_MAX];
    if (storage != NULL) {
        snprintf(storage_path, sizeof storage_path, "%s", storage);
    } else {
        const char *dir = getenv("TMPDIR");
        snprintf(storage_path, sizeof storage_path, "%s/rtinfer-agent-%s.flash", dir != NULL && dir[0] ? dir : "/tmp",
                 s_device_id);
    }
    int busy = 0;
    if (posix_flash_open(storage_path, err, sizeof err, &busy) != 0) {
        fprintf(stderr, "rtinfer-agent: %s\n", err);
        return 1;
    }
    if (agent_tee_open(s_device_id, err, sizeof err) != 0) {
        fprintf(stderr, "rtinfer-agent: %s\n", err);
        posix_flash_close();
        return 1;
    }
    if ((signer_count > 0 || require_signed) &&
        agent_tee_pin_signers((const uint8_t(*)[32])signers, signer_count, require_signed, err, sizeof err) != 0) {
        fprintf(stderr, "rtinfer-agent: %s\n", err);
        agent_tee_close();
        posix_flash_close();
        return 1;
    }
    int pty = posix_pty_open(err, sizeof err);
    if (pty != 0) {
        fprintf(stderr, "rtinfer-agent: %s\n", err);
    }
    if (pty != 0 || (s_link_path != NULL && posix_cli_make_link("rtinfer-agent", s_link_path, posix_pty_slave_path()) != 0)) {
        posix_pty_close();
        agent_tee_close();
        posix_flash_close();
        return 1;
    }
    mqtt.device_id = s_device_id;
    if (mqtt.url != NULL && agent_mqtt_start(&mqtt, err, sizeof err) != 0) {
        fprintf(stderr, "rtinfer-agent: %s\n", err);
        posix_pty_close();
        agent_tee_close();
        posix_flash_close();
        return 1;
    }
    char fingerprint[65];
    for (unsigned i = 0; i < 32; i++) {
        snprintf(fingerprint + 2 * i, 3, "%02x", agent_tee_key_sha256()[i]);
    }
    printf("RTINFER_AGENT pty=%s link=%s device_id=%s pid=%ld clock_hz=%llu board=%s tee_heap=%u tee_key_sha256=%s "
           "mqtt=%s\n",
           posix_pty_slave_path(), s_link_path != NULL ? s_link_path : "-", s_device_id, (long)getpid(),
           (unsigned long long)POSIX_CLOCK_HZ, s_board, (unsigned)agent_tee_heap_budget(), fingerprint,
           mqtt.url != NULL ? mqtt.url : "-");
    fflush(stdout);
    fprintf(stderr, "rtinfer-agent: device_id=%s storage=%s max_frame=%u\n", s_device_id, storage_path,
            (unsigned)app_effective_max_frame(s_cfg.max_frame));

    posix_port_set_reset_target(&s_reset_env);
    (void)sigsetjmp(s_reset_env, 1); /* port_reset() lands here: the app starts over, the TA session stays */
    posix_port_restart_clock();
    app_run(&s_cfg);

    fprintf(stderr, "rtinfer-agent: signal %d, exiting\n", posix_port_stop_signal());
    agent_taskset_shutdown(); /* the dispatcher's entries use the TA session closed below */
    agent_mqtt_stop();
    if (s_link_path != NULL) {
        posix_cli_remove_link(s_link_path, posix_pty_slave_path());
    }
    posix_pty_close();
    agent_tee_close();
    posix_flash_close();
    return 0;
}
