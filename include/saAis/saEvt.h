/* SA Forum AIS B.01.01: Event Service (written for this project; ABI-compatible with openais 0.80.x on x86-64). */
#ifndef SA_EVT_H_INCLUDED
#define SA_EVT_H_INCLUDED

#include "saAis.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef SaUint64T SaEvtHandleT;
typedef SaUint64T SaEvtEventHandleT;
typedef SaUint64T SaEvtChannelHandleT;
typedef SaUint32T SaEvtSubscriptionIdT;

typedef void (*SaEvtEventDeliverCallbackT)(SaEvtSubscriptionIdT subscriptionId,
	const SaEvtEventHandleT eventHandle, const SaSizeT eventDataSize);

typedef void (*SaEvtChannelOpenCallbackT)(SaInvocationT invocation,
	SaEvtChannelHandleT channelHandle, SaAisErrorT error);

typedef struct {
	SaEvtChannelOpenCallbackT  saEvtChannelOpenCallback;
	SaEvtEventDeliverCallbackT saEvtEventDeliverCallback;
} SaEvtCallbacksT;

/* Channel open flags. */
#define SA_EVT_CHANNEL_PUBLISHER  0x1
#define SA_EVT_CHANNEL_SUBSCRIBER 0x2
#define SA_EVT_CHANNEL_CREATE     0x4
typedef SaUint8T SaEvtChannelOpenFlagsT;

typedef struct {
	SaSizeT   allocatedSize;
	SaSizeT   patternSize;
	SaUint8T *pattern;
} SaEvtEventPatternT;

#define SA_EVT_HIGHEST_PRIORITY 0
#define SA_EVT_LOWEST_PRIORITY  3

/* Reserved event identifiers: not yet published, and the lost-event marker. */
#define SA_EVT_EVENTID_NONE 0
#define SA_EVT_EVENTID_LOST 1

/* Pattern carried by the event that reports lost events. */
#define SA_EVT_LOST_EVENT "SA_EVT_LOST_EVENT_PATTERN"

/* Largest data payload this implementation accepts for one event. */
#define SA_EVT_DATA_MAX_LEN (64 * 1024)

typedef struct {
	SaSizeT             allocatedNumber;
	SaSizeT             patternsNumber;
	SaEvtEventPatternT *patterns;
} SaEvtEventPatternArrayT;

typedef SaUint8T  SaEvtEventPriorityT;
typedef SaUint64T SaEvtEventIdT;

typedef enum {
	SA_EVT_PREFIX_FILTER   = 1,
	SA_EVT_SUFFIX_FILTER   = 2,
	SA_EVT_EXACT_FILTER    = 3,
	SA_EVT_PASS_ALL_FILTER = 4
} SaEvtEventFilterTypeT;

typedef struct {
	SaEvtEventFilterTypeT filterType;
	SaEvtEventPatternT    filter;
} SaEvtEventFilterT;

typedef struct {
	SaSizeT            filtersNumber;
	SaEvtEventFilterT *filters;
} SaEvtEventFilterArrayT;

SaAisErrorT saEvtInitialize(SaEvtHandleT *evtHandle,
	const SaEvtCallbacksT *callbacks, SaVersionT *version);
SaAisErrorT saEvtSelectionObjectGet(SaEvtHandleT evtHandle,
	SaSelectionObjectT *selectionObject);
SaAisErrorT saEvtDispatch(SaEvtHandleT evtHandle,
	SaDispatchFlagsT dispatchFlags);
SaAisErrorT saEvtFinalize(SaEvtHandleT evtHandle);

SaAisErrorT saEvtChannelOpen(SaEvtHandleT evtHandle,
	const SaNameT *channelName, SaEvtChannelOpenFlagsT channelOpenFlags,
	SaTimeT timeout, SaEvtChannelHandleT *channelHandle);
SaAisErrorT saEvtChannelOpenAsync(SaEvtHandleT evtHandle,
	SaInvocationT invocation, const SaNameT *channelName,
	SaEvtChannelOpenFlagsT channelOpenFlags);
SaAisErrorT saEvtChannelClose(SaEvtChannelHandleT channelHandle);
SaAisErrorT saEvtChannelUnlink(SaEvtHandleT evtHandle,
	const SaNameT *channelName);

/* saEvtEventAllocate is the specification's name (the openais 0.80.x
 * symbol-version script lists it as saEvtChannelAllocate). */
SaAisErrorT saEvtEventAllocate(SaEvtChannelHandleT channelHandle,
	SaEvtEventHandleT *eventHandle);
SaAisErrorT saEvtEventFree(SaEvtEventHandleT eventHandle);
SaAisErrorT saEvtEventAttributesSet(SaEvtEventHandleT eventHandle,
	const SaEvtEventPatternArrayT *patternArray,
	SaEvtEventPriorityT priority, SaTimeT retentionTime,
	const SaNameT *publisherName);
SaAisErrorT saEvtEventAttributesGet(SaEvtEventHandleT eventHandle,
	SaEvtEventPatternArrayT *patternArray, SaEvtEventPriorityT *priority,
	SaTimeT *retentionTime, SaNameT *publisherName, SaTimeT *publishTime,
	SaEvtEventIdT *eventId);
SaAisErrorT saEvtEventDataGet(SaEvtEventHandleT eventHandle, void *eventData,
	SaSizeT *eventDataSize);
SaAisErrorT saEvtEventPublish(SaEvtEventHandleT eventHandle,
	const void *eventData, SaSizeT eventDataSize, SaEvtEventIdT *eventId);
SaAisErrorT saEvtEventSubscribe(SaEvtChannelHandleT channelHandle,
	const SaEvtEventFilterArrayT *filters,
	SaEvtSubscriptionIdT subscriptionId);
SaAisErrorT saEvtEventUnsubscribe(SaEvtChannelHandleT channelHandle,
	SaEvtSubscriptionIdT subscriptionId);
SaAisErrorT saEvtEventRetentionTimeClear(SaEvtChannelHandleT channelHandle,
	SaEvtEventIdT eventId);

#ifdef __cplusplus
}
#endif

#endif /* SA_EVT_H_INCLUDED */
