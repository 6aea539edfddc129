/* SA Forum AIS B.01.01: Cluster Membership Service (written for this project; ABI-compatible with openais 0.80.x on x86-64). */
#ifndef SA_CLM_H_INCLUDED
#define SA_CLM_H_INCLUDED

#include "saAis.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef SaUint64T SaClmHandleT;
typedef SaUint32T SaClmNodeIdT;

/* Stands for the node the caller runs on. */
#define SA_CLM_LOCAL_NODE_ID 0xFFFFFFFF

#define SA_CLM_MAX_ADDRESS_LENGTH 64

typedef enum {
	SA_CLM_AF_INET  = 1,
	SA_CLM_AF_INET6 = 2
} SaClmNodeAddressFamilyT;

typedef struct {
	SaClmNodeAddressFamilyT family;
	SaUint16T               length;
	SaUint8T                value[SA_CLM_MAX_ADDRESS_LENGTH];
} SaClmNodeAddressT;

typedef struct {
	SaClmNodeIdT      nodeId;
	SaClmNodeAddressT nodeAddress;
	SaNameT           nodeName;
	SaBoolT           member;
	SaTimeT           bootTimestamp;
	SaUint64T         initialViewNumber;
} SaClmClusterNodeT;

typedef enum {
	SA_CLM_NODE_NO_CHANGE    = 1,
	SA_CLM_NODE_JOINED       = 2,
	SA_CLM_NODE_LEFT         = 3,
	SA_CLM_NODE_RECONFIGURED = 4
} SaClmClusterChangesT;

typedef struct {
	SaClmClusterNodeT    clusterNode;
	SaClmClusterChangesT clusterChange;
} SaClmClusterNotificationT;

/* B.01.01 layout: the member count is passed to the track callback, not stored here. */
typedef struct {
	SaUint64T                  viewNumber;
	SaUint32T                  numberOfItems;
	SaClmClusterNotificationT *notification;
} SaClmClusterNotificationBufferT;

typedef void (*SaClmClusterNodeGetCallbackT)(SaInvocationT invocation,
	const SaClmClusterNodeT *clusterNode, SaAisErrorT error);

typedef void (*SaClmClusterTrackCallbackT)(
	const SaClmClusterNotificationBufferT *notificationBuffer,
	SaUint32T numberOfMembers, SaAisErrorT error);

typedef struct {
	SaClmClusterNodeGetCallbackT saClmClusterNodeGetCallback;
	SaClmClusterTrackCallbackT   saClmClusterTrackCallback;
} SaClmCallbacksT;

SaAisErrorT saClmInitialize(SaClmHandleT *clmHandle,
	const SaClmCallbacksT *clmCallbacks, SaVersionT *version);
SaAisErrorT saClmSelectionObjectGet(SaClmHandleT clmHandle,
	SaSelectionObjectT *selectionObject);
SaAisErrorT saClmDispatch(SaClmHandleT clmHandle,
	SaDispatchFlagsT dispatchFlags);
SaAisErrorT saClmFinalize(SaClmHandleT clmHandle);
SaAisErrorT saClmClusterTrack(SaClmHandleT clmHandle, SaUint8T trackFlags,
	SaClmClusterNotificationBufferT *notificationBuffer);
SaAisErrorT saClmClusterTrackStop(SaClmHandleT clmHandle);
SaAisErrorT saClmClusterNodeGet(SaClmHandleT clmHandle, SaClmNodeIdT nodeId,
	SaTimeT timeout, SaClmClusterNodeT *clusterNode);
SaAisErrorT saClmClusterNodeGetAsync(SaClmHandleT clmHandle,
	SaInvocationT invocation, SaClmNodeIdT nodeId);

#ifdef __cplusplus
}
#endif

#endif /* SA_CLM_H_INCLUDED */
