/*
 * The world switch as a distribution (HELLO tee_switch, SPEC §4.1): AGENT_SWITCH_SAMPLES empty TA entries timed
 * one after another by the agent, summarised by nearest rank as host/src/device/clock-estimate.ts's percentile()
 * does, so the host's profile quotes the device's figures unchanged.
 */
#ifndef RTINFER_AGENT_SWITCH_H
#define RTINFER_AGENT_SWITCH_H

#include <stdint.h>

/* Enough for a p99 that is not the maximum (the 6th largest of 512). */
#define AGENT_SWITCH_SAMPLES 512u
/* ...within this much time, so that the HELLO that asks stays well inside a host's HELLO timeout: under QEMU (TCG)
 * an empty entry takes 1–1.5 ms, 512 of them up to 3 s on a loaded host. The count says how many were taken. */
#define AGENT_SWITCH_BUDGET_NS 1000000000ull

/* The summary's entries, in HELLO tee_switch's order. */
enum { AGENT_SWITCH_COUNT, AGENT_SWITCH_MIN, AGENT_SWITCH_P50, AGENT_SWITCH_P90, AGENT_SWITCH_P99, AGENT_SWITCH_MAX,
       AGENT_SWITCH_FIELDS };

/* Nearest-rank summary of `count` samples (sorted in place): count, min, p50, p90, p99, max. */
void agent_switch_summarise(uint64_t *samples, uint32_t count, uint64_t out[AGENT_SWITCH_FIELDS]);

/* Times AGENT_SWITCH_SAMPLES empty entries (fewer if AGENT_SWITCH_BUDGET_NS runs out first) and summarises them, in
 * ns. 0, or -1 when the TA does not answer. */
int agent_switch_measure(uint64_t out[AGENT_SWITCH_FIELDS]);

#endif
