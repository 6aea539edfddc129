/*
 * sim.h - deterministic simulator of N totem cores (§8.4): virtual clock,
 * one seeded PRNG, simulated links, faults, load and the EVS checker.
 */
#ifndef TOTEM_SIM_H
#define TOTEM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "totem_core.h"

#define SIM_MAX 16

struct sim_pkt {
	uint64_t time;
	uint64_t order;
	int dst;
	int src;
	uint32_t dst_inc;
	uint32_t len;
	int mcast;
	uint8_t *data;
};

struct sim_link {
	uint32_t lat;        /* base one-way latency (ms) */
	uint32_t jitter;     /* uniform extra 0..jitter */
	double loss;
	double dup;
	double reorder;      /* probability of an extra 0..5*jitter+2 ms */
	int blocked;         /* one-way cut */
};

struct sub {                 /* one accepted submit */
	uint32_t counter;
	uint32_t len;
	uint64_t hash;
};

struct sublist {
	struct sub *v;
	size_t n, cap;
};

struct chk_node {            /* per incarnation */
	int have_reg;
	int in_trans;
	struct tc_ring_id reg;
	uint32_t reg_n;
	uint32_t reg_m[SIM_MAX];
	struct tc_ring_id prev_reg;
	uint32_t trans_n;
	uint32_t trans_m[SIM_MAX];
	uint64_t fa_hash, fa_count;
	int64_t last_counter[SIM_MAX];
	size_t self_next;        /* index into own sublist */
	int frame_valid;
	struct tc_ring_id frame_ring;
	uint64_t frame_seq;
	uint64_t reg_hash, reg_count;   /* deliveries in the current regular config */
};

struct sim_node {
	uint32_t id;
	struct tc_core *core;
	int alive;
	uint32_t inc;
	uint64_t stored_ring_seq;
	int lost_file;
	uint64_t last_installed_seq;
	uint64_t paused_until;
	int group;
	int mcast_cut;
	uint64_t next_submit;
	uint32_t counter;
	struct sublist subs;
	struct chk_node chk;
};

struct scen {
	const char *name;
	int n;
	uint64_t duration;      /* fault phase (ms) */
	uint64_t settle;        /* time after final heal to drain (ms) */
	double rate;            /* submits per second per node */
	uint32_t big_max;       /* largest message */
	double big_prob;        /* probability that a message is large */
	double safe_prob;
	uint32_t lat, jitter;
	double loss, dup, reorder;
	int faults;             /* number of random fault events */
	int stagger;            /* start nodes at random times */
	int fuzz;               /* forged packets to an observer core */
	int flood;              /* saturating senders */
	uint64_t seq_start;
	int kind;               /* scenario specific script */
	struct tc_config cfg;
};

struct sim {
	struct scen sc;
	uint64_t seed;
	uint64_t rng;
	uint64_t now;
	uint64_t order;
	int n;
	int verbose;
	struct sim_node nodes[SIM_MAX];
	struct sim_link link[SIM_MAX][SIM_MAX];
	struct sim_pkt *heap;
	size_t heap_n, heap_cap;
	int load_on;
	uint64_t digest;
	uint64_t events;
	int failed;
	char fail_msg[1024];
	/* observer core for forged traffic */
	struct tc_core *victim;
	uint64_t forged;
	uint64_t lingered, linger_submits;   /* token_linger, summed over the cores */
	/* checker global tables */
	void *chk;
	/* statistics */
	uint64_t delivered, submitted, eagain, confchgs;
	uint64_t recovery_ms_max;
	uint64_t bound_ms;
};

/* sim_net.c */
uint64_t sim_rand(struct sim *s);
double sim_unif(struct sim *s);
void sim_init(struct sim *s, const struct scen *sc, uint64_t seed, int verbose);
void sim_free(struct sim *s);
void sim_node_start(struct sim *s, int i);
void sim_node_crash(struct sim *s, int i);
void sim_set_all_links(struct sim *s, double loss, double dup, double reorder);
void sim_heal(struct sim *s);
void sim_run_until(struct sim *s, uint64_t t_end);
void sim_fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sim_index_of(const struct sim *s, uint32_t id);

/* sim_check.c */
void chk_init(struct sim *s);
void chk_free(struct sim *s);
void chk_node_reset(struct sim *s, int i);
void chk_action(struct sim *s, int i, const struct tc_action *a);
void chk_resources(struct sim *s, int i);
void chk_converged(struct sim *s, const char *when);
void chk_final(struct sim *s);
uint64_t chk_msg_hash(const uint8_t *p, size_t len);
void chk_fill_msg(uint8_t *p, size_t len, int sender, uint32_t counter);

#endif
