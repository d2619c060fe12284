/*
 * RUN: one entry. The unit list is checked whole first (run_units.c: order; ta_model_unit_fits: each layer or
 * slice within the entry budget) and the output buffer sized, so an entry is refused before anything runs or
 * runs whole. Each job's input and activations live in its slot between entries; conv, dense and pool layers
 * and slices are computed in the model's entry arena; a job's output is copied out only in the entry where it
 * completes. With RTINFER_TA_RUN_TIMES each unit is timed on the TA's fine clock (ta_clock.h) and the times follow
 * the outputs, so the normal world sees a fused entry's layers as the enclave ran them. Each unit names its model's
 * place: a fused entry may carry jobs of several models, each model's units checked against its own jobs.
 */
#include "ta_clock.h" /* first: it may need POSIX declared before libc's headers */

#include <string.h>

#include "run_units.h"
#include "ta_state.h"

/* The units of place `place`, in entry order, checked as one model's entry (run_units_check), their plan merged
 * into the entry's at their own positions. */
static uint32_t check_place(const rtinfer_ta_unit *units, uint32_t count, uint32_t place, run_units_plan *plan,
                            rtinfer_ta_facts *facts) {
  static rtinfer_ta_unit part[RUN_UNITS_MAX];
  static uint32_t position[RUN_UNITS_MAX];
  static run_units_plan part_plan;
  const ta_model *model = g_ta.held[place];
  uint32_t n = 0;
  for (uint32_t u = 0; u < count; u++) {
    if (units[u].model != place) continue;
    part[n] = units[u];
    position[n++] = u;
  }
  if (n == 0) return 0;
  uint32_t refused = run_units_check(part, n, model->model.layer_count, model->jobs, model->slot_count, &part_plan, facts);
  if (refused) {
    facts->index = position[facts->index < n ? facts->index : 0];
    if (refused == RTINFER_TA_ERROR_BUDGET && facts->reason == RTINFER_TA_BUDGET_SLOTS) {
      /* In bytes: the model and a slot per job the entry holds at once, against the budget's slots. */
      facts->need = ta_model_bytes(model) + facts->need * model->slot_bytes;
      facts->have = ta_model_bytes(model) + facts->have * model->slot_bytes;
    }
    return refused;
  }
  for (uint32_t i = 0; i < n; i++) {
    plan->slot[position[i]] = part_plan.slot[i];
    plan->start[position[i]] = part_plan.start[i];
    plan->complete[position[i]] = part_plan.complete[i];
  }
  plan->starts += part_plan.starts;
  plan->completes += part_plan.completes;
  return 0;
}

TEE_Result ta_run_command(const uint8_t *request, size_t request_bytes, uint8_t *out, size_t *out_bytes,
                          uint32_t *completed, uint32_t *units_run, rtinfer_ta_facts *facts) {
  memset(facts, 0, sizeof *facts);
  *completed = 0;
  *units_run = 0;
  if (!g_ta.held[0]) return RTINFER_TA_ERROR_NO_MODEL;
  rtinfer_ta_run_request head;
  if (request_bytes < sizeof head) return TEE_ERROR_BAD_PARAMETERS;
  memcpy(&head, request, sizeof head);
  if (head.unit_count == 0 || head.unit_count > RUN_UNITS_MAX) {
    facts->need = RUN_UNITS_MAX;
    facts->have = head.unit_count;
    return RTINFER_TA_ERROR_UNIT;
  }
  /* Copied out of shared memory: the normal world cannot change a unit between its check and its run. */
  static rtinfer_ta_unit units[RUN_UNITS_MAX];
  const size_t units_bytes = (size_t)head.unit_count * sizeof *units;
  if (request_bytes < sizeof head + units_bytes) return TEE_ERROR_BAD_PARAMETERS;
  memcpy(units, request + sizeof head, units_bytes);
  for (uint32_t u = 0; u < head.unit_count; u++) {
    if (units[u].model >= RTINFER_TA_MAX_MODELS || !g_ta.held[units[u].model]) {
      facts->index = u;
      facts->need = units[u].model;
      return RTINFER_TA_ERROR_NO_MODEL;
    }
  }
  /* Each model's units are checked against its own jobs, as an entry of that model alone would be. */
  static run_units_plan plan;
  memset(&plan, 0, sizeof plan);
  for (uint32_t place = 0; place < RTINFER_TA_MAX_MODELS; place++) {
    const uint32_t refused = g_ta.held[place] ? check_place(units, head.unit_count, place, &plan, facts) : 0;
    if (refused) return refused;
  }
  static uint32_t axes[RUN_UNITS_MAX];
  size_t inputs_bytes = 0, output_bytes = 0;
  for (uint32_t u = 0; u < head.unit_count; u++) {
    const ta_model *model = g_ta.held[units[u].model];
    const uint32_t refused = ta_model_unit_fits(model, &units[u], &axes[u], facts);
    if (refused) {
      facts->index = u;
      return refused;
    }
    if (plan.start[u]) inputs_bytes += (size_t)rtnn_input_count(&model->model) * sizeof(float);
    if (plan.complete[u])
      output_bytes += sizeof(rtinfer_ta_output) + (size_t)rtnn_shape_count(rtnn_output_shape(&model->model)) * sizeof(float);
  }
  if (request_bytes != sizeof head + units_bytes + inputs_bytes) {
    facts->need = sizeof head + units_bytes + inputs_bytes;
    facts->have = request_bytes;
    return TEE_ERROR_BAD_PARAMETERS;
  }
  const int timed = (head.flags & RTINFER_TA_RUN_TIMES) != 0;
  const size_t times_bytes = timed ? sizeof(rtinfer_ta_run_times) + head.unit_count * sizeof(rtinfer_ta_unit_time) : 0;
  output_bytes += times_bytes;
  if (*out_bytes < output_bytes) {
    facts->need = output_bytes;
    facts->have = *out_bytes;
    *out_bytes = output_bytes;
    return TEE_ERROR_SHORT_BUFFER;
  }
  static rtinfer_ta_unit_time times[RUN_UNITS_MAX];
  const uint64_t started = ta_clock_ns();
  const uint8_t *inputs = request + sizeof head + units_bytes;
  size_t written = 0;
  for (uint32_t u = 0; u < head.unit_count; u++) {
    const rtinfer_ta_unit *unit = &units[u];
    ta_model *model = g_ta.held[unit->model];
    const size_t input_bytes = (size_t)rtnn_input_count(&model->model) * sizeof(float);
    const uint32_t slot = plan.slot[u];
    ta_job_slot *job = &model->jobs[slot];
    if (plan.start[u]) {
      memcpy(ta_model_slot_input(model, slot), inputs, input_bytes);
      inputs += input_bytes;
      *job = (ta_job_slot){unit->job, 0, 1, 0, 0};
    }
    times[u].start_ns = ta_clock_ns() - started;
    TEE_Result result = ta_model_run_unit(model, slot, unit, axes[u]);
    if (result != TEE_SUCCESS) {
      job->active = 0; /* its activations are not trustworthy any more */
      facts->index = u;
      return result;
    }
    /* As run_units_check played it: inside a layer, the next slice; after its last slice, the next layer. */
    const int layer_done = unit->slice + 1u == unit->slices;
    job->next_slice = layer_done ? 0 : (uint16_t)(unit->slice + 1u);
    job->slices = layer_done ? 0 : unit->slices;
    if (layer_done) job->next_layer = unit->end_layer;
    (*units_run)++;
    if (plan.complete[u]) {
      const uint32_t output_count = rtnn_shape_count(rtnn_output_shape(&model->model));
      const float *output = rtnn_layer_output(&model->model, ta_model_slot_work(model, slot), ta_model_slot_input(model, slot),
                                              model->model.output_layer);
      const rtinfer_ta_output record = {unit->job, output_count};
      memcpy(out + written, &record, sizeof record);
      memcpy(out + written + sizeof record, output, (size_t)output_count * sizeof(float));
      written += sizeof record + (size_t)output_count * sizeof(float);
      job->active = 0;
      (*completed)++;
    }
    times[u].end_ns = ta_clock_ns() - started; /* after its output left: the unit's whole share of the entry */
  }
  const uint64_t inside = ta_clock_ns() - started;
  if (timed) {
    const rtinfer_ta_run_times record = {head.unit_count, ta_clock_kind(), inside};
    memcpy(out + written, &record, sizeof record);
    memcpy(out + written + sizeof record, times, head.unit_count * sizeof *times);
    written += times_bytes;
  }
  *out_bytes = written;
  g_ta.entries++;
  g_ta.units += *units_run;
  g_ta.time_inside_us += inside / 1000u;
  return TEE_SUCCESS;
}
