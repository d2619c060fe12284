/* Checks one RUN entry's unit list against the jobs in flight before anything runs, so an entry is refused
 * whole (with the unit and the numbers) or runs whole. No GP API: unit-tested alone. */
#ifndef RTINFER_TA_RUN_UNITS_H
#define RTINFER_TA_RUN_UNITS_H

#include <stdint.h>

#include "rtinfer_ta.h"

/* A job whose activations the TA holds between entries. */
typedef struct {
  uint32_t job;
  uint32_t next_layer; /* the first layer its next unit must run */
  uint8_t active;
  uint16_t next_slice; /* inside a layer cut into `slices`: the slice its next unit must run (0: at a layer start) */
  uint16_t slices;
} ta_job_slot;

typedef struct {
  uint32_t starts;    /* units that start a job (their inputs follow the units, in this order) */
  uint32_t completes; /* units that complete a job (their outputs go out, in this order) */
  uint8_t slot[256];  /* per unit: the job slot it runs in */
  uint8_t start[256]; /* per unit: 1 if it starts its job (layer 0, slice 0: its input follows) */
  uint8_t complete[256]; /* per unit: 1 if it completes its job (its output goes out) */
} run_units_plan;

#define RUN_UNITS_MAX 256u

/* 0, or an RTINFER_TA_ERROR_* with *facts: UNIT (index = unit; reason RTINFER_TA_UNIT_LAYER: need = the layer
 * expected, have = given; RTINFER_TA_UNIT_SLICE: need = the slice (or slice count) expected, have = given),
 * BUDGET (reason RTINFER_TA_BUDGET_SLOTS: need = job slots the entry needs at once, have = slots). A unit of
 * slices > 1 covers one layer; a job's slices of a layer come in order before its next layer. Whether a layer or
 * slice fits the entry budget is ta_run.c's check (it needs the model). */
uint32_t run_units_check(const rtinfer_ta_unit *units, uint32_t count, uint32_t layer_count, const ta_job_slot *slots,
                         uint32_t slot_count, run_units_plan *plan, rtinfer_ta_facts *facts);

#endif
