/* tn_replay.c - the sliding anti-replay window (see tn_replay.h). */
#include <string.h>

#include "tn_replay.h"

#define WIN ((uint64_t)TN_REPLAY_WINDOW)

static int bit_get(const struct tn_replay *w, uint64_t c)
{
    uint64_t i = c % WIN;
    return (int)((w->bits[i / 64] >> (i % 64)) & 1u);
}

static void bit_set(struct tn_replay *w, uint64_t c)
{
    uint64_t i = c % WIN;
    w->bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static void bit_clear(struct tn_replay *w, uint64_t c)
{
    uint64_t i = c % WIN;
    w->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

void tn_replay_reset(struct tn_replay *w)
{
    memset(w, 0, sizeof(*w));
}

int tn_replay_check(const struct tn_replay *w, uint64_t counter)
{
    if (counter == 0)
        return -1;
    if (counter > w->top)
        return 0;
    if (w->top - counter >= WIN)
        return -1;
    return bit_get(w, counter) ? -1 : 0;
}

void tn_replay_update(struct tn_replay *w, uint64_t counter)
{
    if (counter > w->top) {
        uint64_t advance = counter - w->top;
        if (advance >= WIN) {
            memset(w->bits, 0, sizeof(w->bits));
        } else {
            /* forget the slots the window slides over */
            for (uint64_t c = w->top + 1; c < counter; c++)
                bit_clear(w, c);
            bit_clear(w, counter);
        }
        w->top = counter;
    }
    bit_set(w, counter);
}
