/*
 * port_device_id(): a per-board prefix and the chip's 96-bit unique id in hex
 * (RM0090 §39.1, RM0386 §41.1, RM0385 §45.6): unique per chip, stable, and
 * only [A-Za-z0-9_-] ("f746-" + 24 hex digits = 29 characters).
 *
 * A target without a readable UID (QEMU maps none: reading it is a bus
 * fault) sets uid_addr 0. Its id is the prefix alone or, if the host wrote
 * {id word, HOST_ID_MAGIC} at host_id_addr before boot (QEMU's
 * `-device loader`, host/src/sim/qemu.ts), prefix + "-" + the word in hex, so
 * that several emulated boards can be told apart.
 */
#include "port.h"
#include "stm32_board.h"
#include "stm32_regs.h"

#define HOST_ID_MAGIC 0x49445254u
#define PREFIX_MAX 8u

static size_t put_hex(char *out, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 8u; i++) {
        out[i] = hex[(v >> (28u - 4u * i)) & 0xFu];
    }
    return 8u;
}

const char *port_device_id(void)
{
    static char id[PREFIX_MAX + 1u + 3u * 8u + 1u];
    if (id[0] != '\0') {
        return id;
    }
    size_t n = 0;
    for (const char *p = g_board.id_prefix; *p != '\0' && n < PREFIX_MAX; p++) {
        id[n++] = *p;
    }
    if (g_board.uid_addr != 0u) {
        for (unsigned w = 0; w < 3u; w++) {
            n += put_hex(&id[n], REG32(g_board.uid_addr + 4u * w));
        }
    } else if (g_board.host_id_addr != 0u && REG32(g_board.host_id_addr + 4u) == HOST_ID_MAGIC) {
        id[n++] = '-';
        n += put_hex(&id[n], REG32(g_board.host_id_addr));
    }
    id[n] = '\0';
    return id;
}
