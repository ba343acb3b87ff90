/*
 * expect_leaf.h - the assertion every CPU test makes about a leaf: run it,
 * check its outcome exactly, and, if it failed, check that the EPC frames,
 * their EPCM entries, the MRENCLAVEs and child counts are unchanged (a failed
 * leaf changes nothing). Needs <criterion/criterion.h> and cpuhelp.h.
 */
#ifndef TESTS_UTIL_EXPECT_LEAF_H
#define TESTS_UTIL_EXPECT_LEAF_H

#include <string.h>

#include "cpuhelp.h"

#define TH_EXPECT_LEAF(cpu, frames, nframes, fault, want, call, desc)                       \
	do {                                                                                \
		struct th_snap b_, a_;                                                      \
		char why_[256];                                                             \
		int rc_, want_ = (want);                                                    \
		bool same_ = true;                                                          \
		memset((fault), 0, sizeof(*(fault)));                                       \
		th_snap_take(&b_, (cpu), (frames), (nframes));                              \
		rc_ = (call);                                                               \
		if (rc_) {                                                                  \
			th_snap_take(&a_, (cpu), (frames), (nframes));                      \
			same_ = th_snap_same(&b_, &a_, why_, sizeof(why_));                 \
			th_snap_free(&a_);                                                  \
		}                                                                           \
		th_snap_free(&b_);                                                          \
		cr_assert_eq(rc_, want_, "%s: got %s, expected %s", (desc),                 \
			     th_outcome(rc_, (fault)), th_outcome(want_, NULL));            \
		cr_assert(same_, "%s: the failed leaf changed state: %s", (desc), why_);    \
	} while (0)

#endif /* TESTS_UTIL_EXPECT_LEAF_H */
