/*
 * rtinfer firmware port: everything a board provides, and nothing else.
 *
 * The portable firmware (firmware/stm32/app, later firmware/nn) includes this
 * header and the protocol codec (protocol/c) only: never an OS, libc-I/O,
 * HAL, CMSIS or register header. A board (firmware/stm32/boards/<name>)
 * implements every function below and owns the startup code / main().
 *
 * Threading: all functions are called from the firmware's single main loop.
 * None is called from an interrupt handler. A board may use interrupts
 * internally (UART RX ring, tick extension) as long as these functions are
 * safe to call from thread mode.
 */
#ifndef RTINFER_PORT_H
#define RTINFER_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define PORT_NORETURN [[noreturn]]
extern "C" {
#else
#define PORT_NORETURN _Noreturn
#endif

/* ---------------------------------------------------------------- UART -- */

/*
 * Non-blocking read: copies up to `cap` bytes that have already arrived on
 * the link into `buf` and returns how many (0 if none). Never waits.
 * Bytes are delivered in order; a board that loses bytes (RX overrun) just
 * drops them (the framing layer's CRC/COBS checks catch it).
 */
size_t port_uart_read(uint8_t *buf, size_t cap);

/*
 * Writes all `len` bytes, in order, waiting for TX space as needed. Returns
 * when the bytes are queued for transmission (not necessarily on the wire).
 * If nobody is listening and the link cannot drain (hosted boards: no peer
 * reading the pseudo-terminal for a long time), the board MAY discard bytes
 * rather than block forever; the receiver resynchronises on the next 0x00.
 */
void port_uart_write(const uint8_t *data, size_t len);

/* --------------------------------------------------------------- Clock -- */

/*
 * The device clock: a monotonic 64-bit tick count that starts near 0 at boot
 * (and again after port_reset()) and never wraps in practice. A board whose
 * hardware counter is narrower (e.g. the 32-bit DWT cycle counter) extends it
 * in software, wrap-safe: callers may assume ticks never decrease and compute
 * differences with plain uint64_t subtraction.
 */
uint64_t port_ticks(void);

/* Rate of port_ticks(), in Hz (>= 1, constant for the life of the process). */
uint64_t port_clock_hz(void);

/* ------------------------------------------------------------ Identity -- */

/*
 * Unique, stable device id: 1..32 characters of [A-Za-z0-9_-] (it doubles as
 * the MQTT topic component). MCU boards derive it from the chip's unique id;
 * the POSIX sim uses its --name. The string lives for the whole process.
 */
const char *port_device_id(void);

/* Board name as reported in HELLO: "posix_sim", "nucleo_f746zg", ... (<= 32). */
const char *port_board_name(void);

/* ------------------------------------------------------- Reset and idle -- */

/*
 * Restarts the device; does not return. On hardware: a system reset. On
 * hosted boards: the firmware is re-initialised from the top (fresh app
 * state, BOOT flag set again, tick count restarted) without exiting the
 * process, and the link (pseudo-terminal) stays the same.
 */
PORT_NORETURN void port_reset(void);

/* Wait "forever" in port_idle(): until input arrives or the board stops. */
#define PORT_IDLE_FOREVER UINT32_MAX

/*
 * Sleeps until UART input may be available or `timeout_us` microseconds have
 * passed, whichever is first (PORT_IDLE_FOREVER: no timeout). Spurious early
 * returns are allowed; callers re-check everything after it returns.
 * Returns true to keep running. Returns false when the board asks the
 * firmware to shut down (hosted boards on SIGTERM/SIGINT); the main loop then
 * returns to the board. Hardware boards always return true.
 */
bool port_idle(uint32_t timeout_us);

/* ------------------------------------------------------------- Storage -- */

/*
 * Flash-like non-volatile storage, one linear address space [0, size) split
 * into erase sectors. Semantics, identical on every board (the POSIX sim
 * enforces them on its backing file):
 *
 *  - erase(sector) sets every byte of that sector to 0xFF;
 *  - program(addr, data, len) can only clear bits (1 -> 0). Programming a
 *    byte whose new value would need any 0 bit to become 1 fails with
 *    PORT_STORAGE_EBITS and changes nothing; to set bits, erase the sector.
 *    Re-programming the same value, or clearing further bits, is allowed.
 *    addr and len must be multiples of write_unit; a program may span
 *    sectors;
 *  - read(addr, buf, len) copies bytes out; any alignment;
 *  - contents survive port_reset() and power cycles (the sim: its file);
 *  - calls are synchronous: when one returns 0 the change is durable as far
 *    as the board can ensure.
 *
 * The sector map says what each sector is for: the bytes of model slot n
 * (slot sectors of one slot are contiguous and in order) or firmware
 * metadata. Model slots are filled by a later issue; the interface is here.
 */

#define PORT_STORAGE_ERASED 0xFFu /* value of every byte after an erase */

enum {
    PORT_STORAGE_OK = 0,
    PORT_STORAGE_ERANGE = -1, /* address/length/sector outside the map */
    PORT_STORAGE_EALIGN = -2, /* not a multiple of write_unit */
    PORT_STORAGE_EBITS = -3,  /* program would set a 0 bit to 1 */
    PORT_STORAGE_EIO = -4,    /* the device or backing file failed */
};

typedef enum {
    PORT_SECTOR_SLOT = 0, /* part of model slot `slot` */
    PORT_SECTOR_META = 1, /* firmware metadata (boot counter, slot records) */
} port_sector_use_t;

typedef struct {
    uint32_t addr;  /* first byte, in the storage address space */
    uint32_t size;  /* bytes */
    uint8_t use;    /* port_sector_use_t */
    uint8_t slot;   /* slot index if use == PORT_SECTOR_SLOT, else 0 */
} port_sector_t;

typedef struct {
    uint32_t size;                /* total bytes; sectors tile [0, size) */
    uint32_t write_unit;          /* program granularity in bytes (power of 2) */
    uint16_t sector_count;
    const port_sector_t *sectors; /* ascending addr, sector_count entries */
} port_storage_map_t;

/* The storage map; never NULL. A board without storage returns a map with
 * sector_count == 0 (and then every other storage call fails ERANGE). */
const port_storage_map_t *port_storage_map(void);

/* Erases sector `index` (0..sector_count-1) to 0xFF. Returns PORT_STORAGE_*. */
int port_storage_erase(uint16_t index);

/* Programs `len` bytes at `addr` (see rules above). Returns PORT_STORAGE_*. */
int port_storage_program(uint32_t addr, const void *data, uint32_t len);

/* Reads `len` bytes at `addr` into `buf`. Returns PORT_STORAGE_*. */
int port_storage_read(uint32_t addr, void *buf, uint32_t len);

#ifdef __cplusplus
}
#endif

#endif /* RTINFER_PORT_H */
