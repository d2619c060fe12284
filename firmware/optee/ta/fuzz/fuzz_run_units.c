/* libFuzzer target: RUN's entry check (run_units.c) over a sequence of entries, with the job slots carried
 * from one entry to the next exactly as ta_run.c carries them. ta_run.c trusts the accepted plan: it reads one
 * input per unit plan.start names (and sized the request by plan.starts), overwrites the slot plan.slot[u]
 * names for a start, continues a job in the slot named for it, and sizes the output by plan.completes. So for
 * every accepted entry this checks exactly those facts, and for every refusal that it names a unit of the
 * entry and left the slots alone.
 * Input: [layer_count][slot_count] then entries: [unit_count] and per unit [job][first][end][slice][slices]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run_units.h"

#define EXPECT(condition) \
  do {                    \
    if (!(condition)) abort(); \
  } while (0)

#define UNIT_BYTES 5u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  const uint32_t layer_count = data[0];
  /* Up to 19, so a count over RTINFER_TA_MAX_JOB_SLOTS (which the check clamps) is tried too. */
  const uint32_t slot_count = data[1] % 20u;
  const uint32_t usable = slot_count < RTINFER_TA_MAX_JOB_SLOTS ? slot_count : RTINFER_TA_MAX_JOB_SLOTS;
  size_t at = 2;
  ta_job_slot slots[RTINFER_TA_MAX_JOB_SLOTS + 4u];
  memset(slots, 0, sizeof slots);
  static rtinfer_ta_unit units[RUN_UNITS_MAX + 1u];
  while (at < size) {
    /* 0 and, through 255, RUN_UNITS_MAX + 1: both refused. */
    const uint32_t count = data[at] == 255u ? RUN_UNITS_MAX + 1u : data[at];
    at++;
    for (uint32_t u = 0; u < count; u++) {
      const uint8_t *b = at + UNIT_BYTES <= size ? data + at : NULL;
      at += UNIT_BYTES;
      /* Past the input: units of job 0 over the whole model, so a long entry costs no input. */
      units[u] = b ? (rtinfer_ta_unit){b[0], b[1], b[2], b[3], b[4], 0} : (rtinfer_ta_unit){0, 0, (uint16_t)layer_count, 0, 1, 0};
    }
    ta_job_slot before[RTINFER_TA_MAX_JOB_SLOTS + 4u];
    memcpy(before, slots, sizeof slots);
    run_units_plan plan;
    rtinfer_ta_facts facts;
    memset(&facts, 0xa5, sizeof facts);
    const uint32_t refused = run_units_check(units, count, layer_count, slots, slot_count, &plan, &facts);
    EXPECT(memcmp(before, slots, sizeof slots) == 0);
    if (refused) {
      EXPECT(refused == RTINFER_TA_ERROR_UNIT || refused == RTINFER_TA_ERROR_BUDGET);
      EXPECT(count == 0 || count > RUN_UNITS_MAX || facts.index < count);
      if (refused == RTINFER_TA_ERROR_BUDGET) EXPECT(facts.need == (uint64_t)usable + 1u && facts.have == usable);
      continue;
    }
    EXPECT(count >= 1 && count <= RUN_UNITS_MAX);
    /* Play the entry as ta_run.c does, checking what it relies on. */
    uint32_t starts = 0, completes = 0;
    for (uint32_t u = 0; u < count; u++) {
      const rtinfer_ta_unit *unit = &units[u];
      EXPECT(unit->slice < unit->slices && (unit->slices == 1 || unit->end_layer == unit->first_layer + 1u));
      EXPECT(unit->first_layer < unit->end_layer && unit->end_layer <= layer_count);
      const uint32_t s = plan.slot[u];
      EXPECT(s < usable);
      if (plan.start[u]) {
        EXPECT(unit->first_layer == 0 && unit->slice == 0);
        EXPECT(!slots[s].active); /* a start never overwrites a job in flight */
        starts++;
        slots[s] = (ta_job_slot){unit->job, 0, 1, 0, 0};
      } else {
        EXPECT(slots[s].active && slots[s].job == unit->job && slots[s].next_layer == unit->first_layer);
        EXPECT(slots[s].next_slice == unit->slice && (unit->slice == 0 || slots[s].slices == unit->slices));
      }
      const int layer_done = unit->slice + 1u == unit->slices;
      slots[s].next_slice = layer_done ? 0 : (uint16_t)(unit->slice + 1u);
      slots[s].slices = layer_done ? 0 : unit->slices;
      if (layer_done) slots[s].next_layer = unit->end_layer;
      EXPECT(plan.complete[u] == (layer_done && unit->end_layer == layer_count));
      if (plan.complete[u]) {
        slots[s].active = 0;
        completes++;
      }
    }
    EXPECT(starts == plan.starts && completes == plan.completes);
    /* A job is in at most one slot. */
    for (uint32_t a = 0; a < usable; a++)
      for (uint32_t b = a + 1u; b < usable; b++) EXPECT(!(slots[a].active && slots[b].active && slots[a].job == slots[b].job));
  }
  return 0;
}
