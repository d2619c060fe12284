/*
 * Trace events (SPEC §4.6) buffered in a fixed ring and sent as TRACE batches on the trace channel when
 * the firmware has time (between jobs). Recording never waits: when the ring is full the event is dropped
 * and counted, and the next batch carries the count, so inference is never stalled by a slow link.
 */
#ifndef RTINFER_APP_TRACE_RING_H
#define RTINFER_APP_TRACE_RING_H

#include <stdbool.h>
#include <stdint.h>

/* Events the ring holds; a board short of RAM may lower it (each event is 48 bytes). */
#ifndef RTINFER_TRACE_RING_EVENTS
#define RTINFER_TRACE_RING_EVENTS 512u
#endif

/* Empties the ring, zeroes the counters and restarts the batch counter. */
void trace_ring_reset(void);

/* Records an event with one uint arg. Returns false if it was dropped (ring full). */
bool trace_record(uint8_t kind, uint8_t task, uint32_t job, uint64_t ticks, uint64_t arg);

/* Records an event whose arg is an array of `count` (<= 3) uints. */
bool trace_record_array(uint8_t kind, uint8_t task, uint32_t job, uint64_t ticks, const uint64_t *args,
                        uint8_t count);

/* Events waiting to be sent. */
uint32_t trace_pending(void);

/* Sends TRACE batches, as many events per batch as the peer's max_frame allows, until the ring is empty
 * (or only the events of up to `max_batches` batches: 0 = no limit). */
void trace_flush(uint32_t max_batches);

/* Events dropped since trace_ring_reset(). */
uint32_t trace_dropped_total(void);

#endif
