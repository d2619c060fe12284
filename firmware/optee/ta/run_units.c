/* The entry check: see run_units.h. */
#include "run_units.h"

#include <string.h>

static uint32_t refuse(rtinfer_ta_facts *facts, uint32_t code, uint32_t reason, uint32_t unit, uint64_t need, uint64_t have) {
  memset(facts, 0, sizeof *facts);
  facts->reason = reason;
  facts->index = unit;
  facts->need = need;
  facts->have = have;
  return code;
}

#define LAYER RTINFER_TA_UNIT_LAYER
#define SLICE RTINFER_TA_UNIT_SLICE

uint32_t run_units_check(const rtinfer_ta_unit *units, uint32_t count, uint32_t layer_count, const ta_job_slot *slots,
                         uint32_t slot_count, run_units_plan *plan, rtinfer_ta_facts *facts) {
  if (count == 0 || count > RUN_UNITS_MAX) return refuse(facts, RTINFER_TA_ERROR_UNIT, LAYER, 0, RUN_UNITS_MAX, count);
  if (slot_count > RTINFER_TA_MAX_JOB_SLOTS) slot_count = RTINFER_TA_MAX_JOB_SLOTS;
  /* Played on a copy of the slots: the real ones change only when the units run. */
  ta_job_slot sim[RTINFER_TA_MAX_JOB_SLOTS];
  memcpy(sim, slots, slot_count * sizeof *sim);
  memset(plan, 0, sizeof *plan);
  for (uint32_t u = 0; u < count; u++) {
    const rtinfer_ta_unit *unit = &units[u];
    if (unit->slices == 0 || unit->slice >= unit->slices) return refuse(facts, RTINFER_TA_ERROR_UNIT, SLICE, u, unit->slices, unit->slice);
    if (unit->end_layer > layer_count) return refuse(facts, RTINFER_TA_ERROR_UNIT, LAYER, u, layer_count, unit->end_layer);
    if (unit->first_layer >= unit->end_layer) return refuse(facts, RTINFER_TA_ERROR_UNIT, LAYER, u, (uint64_t)unit->first_layer + 1u, unit->end_layer);
    /* A slice is a part of one layer. */
    if (unit->slices > 1 && unit->end_layer != unit->first_layer + 1u)
      return refuse(facts, RTINFER_TA_ERROR_UNIT, LAYER, u, (uint64_t)unit->first_layer + 1u, unit->end_layer);
    uint32_t s = 0;
    while (s < slot_count && !(sim[s].active && sim[s].job == unit->job)) s++;
    if (s < slot_count) {
      if (unit->first_layer != sim[s].next_layer) return refuse(facts, RTINFER_TA_ERROR_UNIT, LAYER, u, sim[s].next_layer, unit->first_layer);
      /* Inside a layer cut into slices: the next slice of the same cut, nothing else. */
      if (sim[s].next_slice != 0 && unit->slices != sim[s].slices)
        return refuse(facts, RTINFER_TA_ERROR_UNIT, SLICE, u, sim[s].slices, unit->slices);
      if (unit->slice != sim[s].next_slice) return refuse(facts, RTINFER_TA_ERROR_UNIT, SLICE, u, sim[s].next_slice, unit->slice);
    } else {
      if (unit->first_layer != 0) return refuse(facts, RTINFER_TA_ERROR_UNIT, LAYER, u, 0, unit->first_layer);
      if (unit->slice != 0) return refuse(facts, RTINFER_TA_ERROR_UNIT, SLICE, u, 0, unit->slice);
      s = 0;
      while (s < slot_count && sim[s].active) s++;
      if (s == slot_count) return refuse(facts, RTINFER_TA_ERROR_BUDGET, RTINFER_TA_BUDGET_SLOTS, u, (uint64_t)slot_count + 1u, slot_count);
      sim[s] = (ta_job_slot){unit->job, 0, 1, 0, 0};
      plan->starts++;
      plan->start[u] = 1;
    }
    plan->slot[u] = (uint8_t)s;
    const int layer_done = unit->slice + 1u == unit->slices;
    sim[s].next_slice = layer_done ? 0 : (uint16_t)(unit->slice + 1u);
    sim[s].slices = layer_done ? 0 : unit->slices;
    if (!layer_done) continue;
    sim[s].next_layer = unit->end_layer;
    if (unit->end_layer == layer_count) {
      sim[s].active = 0;
      plan->completes++;
      plan->complete[u] = 1;
    }
  }
  return 0;
}
