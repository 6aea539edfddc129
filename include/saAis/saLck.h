/* SA Forum AIS B.01.01: Lock Service (written for this project; ABI-compatible with openais 0.80.x on x86-64). */
#ifndef SA_LCK_H_INCLUDED
#define SA_LCK_H_INCLUDED

#include "saAis.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef SaUint64T SaLckHandleT;
typedef SaUint64T SaLckLockIdT;
typedef SaUint64T SaLckResourceHandleT;

/* Lock request flags. */
#define SA_LCK_LOCK_NO_QUEUE 0x1
#define SA_LCK_LOCK_ORPHAN   0x2
typedef SaUint32T SaLckLockFlagsT;

/* Resource open flags. */
#define SA_LCK_RESOURCE_CREATE 0x1
typedef SaUint32T SaLckResourceOpenFlagsT;

typedef enum {
	SA_LCK_LOCK_GRANTED      = 1,
	SA_LCK_LOCK_DEADLOCK     = 2,
	SA_LCK_LOCK_NOT_QUEUED   = 3,
	SA_LCK_LOCK_ORPHANED     = 4,
	SA_LCK_LOCK_NO_MORE      = 5,
	SA_LCK_LOCK_DUPLICATE_EX = 6
} SaLckLockStatusT;

typedef enum {
	SA_LCK_PR_LOCK_MODE = 1,
	SA_LCK_EX_LOCK_MODE = 2
} SaLckLockModeT;

/* Optional features reported by saLckOptionCheck(). */
#define SA_LCK_OPT_ORPHAN_LOCKS       0x1
#define SA_LCK_OPT_DEADLOCK_DETECTION 0x2
typedef SaUint32T SaLckOptionsT;

typedef SaUint64T SaLckWaiterSignalT;

typedef void (*SaLckResourceOpenCallbackT)(SaInvocationT invocation,
	SaLckResourceHandleT lockResourceHandle, SaAisErrorT error);

/* SaLckLockGrantCallbackT is the specification's name; openais 0.80.x spelt
 * it SaLckLockGrantcallbackT, which is kept as an identical second typedef. */
typedef void (*SaLckLockGrantCallbackT)(SaInvocationT invocation,
	SaLckLockStatusT lockStatus, SaAisErrorT error);
typedef void (*SaLckLockGrantcallbackT)(SaInvocationT invocation,
	SaLckLockStatusT lockStatus, SaAisErrorT error);

typedef void (*SaLckLockWaiterCallbackT)(SaLckWaiterSignalT waiterSignal,
	SaLckLockIdT lockId, SaLckLockModeT modeHeld,
	SaLckLockModeT modeRequested);

typedef void (*SaLckResourceUnlockCallbackT)(SaInvocationT invocation,
	SaAisErrorT error);

typedef struct {
	SaLckResourceOpenCallbackT   saLckResourceOpenCallback;
	SaLckLockGrantCallbackT      saLckLockGrantCallback;
	SaLckLockWaiterCallbackT     saLckLockWaiterCallback;
	SaLckResourceUnlockCallbackT saLckResourceUnlockCallback;
} SaLckCallbacksT;

SaAisErrorT saLckInitialize(SaLckHandleT *lckHandle,
	const SaLckCallbacksT *lckCallbacks, SaVersionT *version);
SaAisErrorT saLckSelectionObjectGet(SaLckHandleT lckHandle,
	SaSelectionObjectT *selectionObject);
SaAisErrorT saLckOptionCheck(SaLckHandleT lckHandle,
	SaLckOptionsT *lckOptions);
SaAisErrorT saLckDispatch(SaLckHandleT lckHandle,
	SaDispatchFlagsT dispatchFlags);
SaAisErrorT saLckFinalize(SaLckHandleT lckHandle);

SaAisErrorT saLckResourceOpen(SaLckHandleT lckHandle,
	const SaNameT *lockResourceName, SaLckResourceOpenFlagsT resourceFlags,
	SaTimeT timeout, SaLckResourceHandleT *lockResourceHandle);
SaAisErrorT saLckResourceOpenAsync(SaLckHandleT lckHandle,
	SaInvocationT invocation, const SaNameT *lockResourceName,
	SaLckResourceOpenFlagsT resourceFlags);
SaAisErrorT saLckResourceClose(SaLckResourceHandleT lockResourceHandle);

SaAisErrorT saLckResourceLock(SaLckResourceHandleT lockResourceHandle,
	SaLckLockIdT *lockId, SaLckLockModeT lockMode,
	SaLckLockFlagsT lockFlags, SaLckWaiterSignalT waiterSignal,
	SaTimeT timeout, SaLckLockStatusT *lockStatus);
/* Deviation from openais 0.80.x, following the specification: the name is
 * saLckResourceLockAsync (openais declared SaLckResourceLockAsync). */
SaAisErrorT saLckResourceLockAsync(SaLckResourceHandleT lockResourceHandle,
	SaInvocationT invocation, SaLckLockIdT *lockId,
	SaLckLockModeT lockMode, SaLckLockFlagsT lockFlags,
	SaLckWaiterSignalT waiterSignal);
SaAisErrorT saLckResourceUnlock(SaLckLockIdT lockId, SaTimeT timeout);
SaAisErrorT saLckResourceUnlockAsync(SaInvocationT invocation,
	SaLckLockIdT lockId);
SaAisErrorT saLckLockPurge(SaLckResourceHandleT lockResourceHandle);

#ifdef __cplusplus
}
#endif

#endif /* SA_LCK_H_INCLUDED */
