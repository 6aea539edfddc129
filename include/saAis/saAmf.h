/* SA Forum AIS B.01.01: Availability Management Framework (written for this project; ABI-compatible with openais 0.80.x on x86-64). */
#ifndef SA_AMF_H_INCLUDED
#define SA_AMF_H_INCLUDED

#include "saAis.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef SaUint64T SaAmfHandleT;

/* Passive monitoring: process errors to watch for. */
#define SA_AMF_PM_ZERO_EXIT     0x1
#define SA_AMF_PM_NON_ZERO_EXIT 0x2
#define SA_AMF_PM_ABNORMAL_END  0x4
#define SA_AMF_PM_ALL_ERRORS \
	(SA_AMF_PM_ZERO_EXIT | SA_AMF_PM_NON_ZERO_EXIT | SA_AMF_PM_ABNORMAL_END)
typedef SaUint32T SaAmfPmErrorsT;

typedef enum {
	SA_AMF_PM_PROC                 = 1,
	SA_AMF_PM_PROC_AND_DESCENDENTS = 2,
	SA_AMF_PM_ALL_PROCESSES        = 3
} SaAmfPmStopQualifierT;

typedef enum {
	SA_AMF_HEALTHCHECK_AMF_INVOKED       = 1,
	SA_AMF_HEALTHCHECK_COMPONENT_INVOKED = 2
} SaAmfHealthcheckInvocationT;

#define SA_AMF_HEALTHCHECK_KEY_MAX 32

typedef struct {
	SaUint8T  key[SA_AMF_HEALTHCHECK_KEY_MAX];
	SaUint16T keyLen;
} SaAmfHealthcheckKeyT;

typedef enum {
	SA_AMF_HA_ACTIVE    = 1,
	SA_AMF_HA_STANDBY   = 2,
	SA_AMF_HA_QUIESCED  = 3,
	SA_AMF_HA_QUIESCING = 4
} SaAmfHAStateT;

typedef enum {
	SA_AMF_READINESS_OUT_OF_SERVICE = 1,
	SA_AMF_READINESS_IN_SERVICE     = 2,
	SA_AMF_READINESS_STOPPING       = 3
} SaAmfReadinessStateT;

typedef enum {
	SA_AMF_PRESENCE_UNINSTANTIATED       = 1,
	SA_AMF_PRESENCE_INSTANTIATING        = 2,
	SA_AMF_PRESENCE_INSTANTIATED         = 3,
	SA_AMF_PRESENCE_TERMINATING          = 4,
	SA_AMF_PRESENCE_RESTARTING           = 5,
	SA_AMF_PRESENCE_INSTANTIATION_FAILED = 6,
	SA_AMF_PRESENCE_TERMINATION_FAILED   = 7
} SaAmfPresenceStateT;

typedef enum {
	SA_AMF_OPERATIONAL_ENABLED  = 1,
	SA_AMF_OPERATIONAL_DISABLED = 2
} SaAmfOperationalStateT;

typedef enum {
	SA_AMF_ADMIN_UNLOCKED               = 1,
	SA_AMF_ADMIN_LOCKED                 = 2,
	SA_AMF_ADMIN_LOCKED_INSTANTIATION   = 3,
	SA_AMF_ADMIN_SHUTTING_DOWN          = 4
} SaAmfAdminStateT;

typedef enum {
	SA_AMF_ASSIGNMENT_UNASSIGNED         = 1,
	SA_AMF_ASSIGNMENT_FULLY_ASSIGNED     = 2,
	SA_AMF_ASSIGNMENT_PARTIALLY_ASSIGNED = 3
} SaAmfAssignmentStateT;

typedef enum {
	SA_AMF_PROXY_STATUS_UNPROXIED = 1,
	SA_AMF_PROXY_STATUS_PROXIED   = 2
} SaAmfProxyStatusT;

typedef enum {
	SA_AMF_READINESS_STATE  = 1,
	SA_AMF_HA_STATE         = 2,
	SA_AMF_PRESENCE_STATE   = 3,
	SA_AMF_OP_STATE         = 4,
	SA_AMF_ADMIN_STATE      = 5,
	SA_AMF_ASSIGNMENT_STATE = 6,
	SA_AMF_PROXY_STATUS     = 7
} SaAmfStateT;

/* CSI flags. */
#define SA_AMF_CSI_ADD_ONE    0x1
#define SA_AMF_CSI_TARGET_ONE 0x2
#define SA_AMF_CSI_TARGET_ALL 0x4
typedef SaUint32T SaAmfCSIFlagsT;

typedef enum {
	SA_AMF_CSI_NEW_ASSIGN   = 1,
	SA_AMF_CSI_QUIESCED     = 2,
	SA_AMF_CSI_NOT_QUIESCED = 3,
	SA_AMF_CSI_STILL_ACTIVE = 4
} SaAmfCSITransitionDescriptorT;

typedef struct {
	SaAmfCSITransitionDescriptorT transitionDescriptor;
	SaNameT                       activeCompName;
} SaAmfCSIActiveDescriptorT;

typedef struct {
	SaNameT   activeCompName;
	SaUint32T standbyRank;
} SaAmfCSIStandbyDescriptorT;

typedef union {
	SaAmfCSIActiveDescriptorT  activeDescriptor;
	SaAmfCSIStandbyDescriptorT standbyDescriptor;
} SaAmfCSIStateDescriptorT;

typedef struct {
	SaUint8T *attrName;
	SaUint8T *attrValue;
} SaAmfCSIAttributeT;

typedef struct {
	SaAmfCSIAttributeT *attr;
	SaUint32T           number;
} SaAmfCSIAttributeListT;

typedef struct {
	SaAmfCSIFlagsT           csiFlags;
	SaNameT                  csiName;
	SaAmfCSIStateDescriptorT csiStateDescriptor;
	SaAmfCSIAttributeListT   csiAttr;
} SaAmfCSIDescriptorT;

typedef struct {
	SaNameT       compName;
	SaAmfHAStateT haState;
	SaUint32T     rank;
} SaAmfProtectionGroupMemberT;

typedef enum {
	SA_AMF_PROTECTION_GROUP_NO_CHANGE    = 1,
	SA_AMF_PROTECTION_GROUP_ADDED        = 2,
	SA_AMF_PROTECTION_GROUP_REMOVED      = 3,
	SA_AMF_PROTECTION_GROUP_STATE_CHANGE = 4
} SaAmfProtectionGroupChangesT;

typedef struct {
	SaAmfProtectionGroupMemberT  member;
	SaAmfProtectionGroupChangesT change;
} SaAmfProtectionGroupNotificationT;

typedef struct {
	SaUint32T                          numberOfItems;
	SaAmfProtectionGroupNotificationT *notification;
} SaAmfProtectionGroupNotificationBufferT;

typedef enum {
	SA_AMF_NO_RECOMMENDATION   = 1,
	SA_AMF_COMPONENT_RESTART   = 2,
	SA_AMF_COMPONENT_FAILOVER  = 3,
	SA_AMF_NODE_SWITCHOVER     = 4,
	SA_AMF_NODE_FAILOVER       = 5,
	SA_AMF_NODE_FAILFAST       = 6,
	SA_AMF_CLUSTER_RESET       = 7,
	SA_AMF_APPLICATION_RESTART = 8
} SaAmfRecommendedRecoveryT;

/* Component categories, redundancy and capability models (information
 * model; the lower-case type names are those openais 0.80.x used). */
#define SA_AMF_COMP_SA_AWARE 0x0001
#define SA_AMF_COMP_PROXY    0x0002
#define SA_AMF_COMP_PROXIED  0x0004
#define SA_AMF_COMP_LOCAL    0x0008
typedef SaUint32T saAmfCompCategoryT;

typedef enum {
	SA_AMF_2N_REDUNDANCY_MODEL           = 1,
	SA_AMF_NPM_REDUNDANCY_MODEL          = 2,
	SA_AMF_N_WAY_REDUNDANCY_MODEL        = 3,
	SA_AMF_N_WAY_ACTIVE_REDUNDACY_MODEL  = 4,
	SA_AMF_NO_REDUNDANCY_MODEL           = 5
} saAmfRedundancyModelT;

typedef enum {
	SA_AMF_COMP_X_ACTIVE_AND_Y_STANDBY    = 1,
	SA_AMF_COMP_X_ACTIVE_OR_Y_STANDBY     = 2,
	SA_AMF_COMP_ONE_ACTIVE_OR_Y_STANDBY   = 3,
	SA_AMF_COMP_ONE_ACTIVE_OR_ONE_STANDBY = 4,
	SA_AMF_COMP_X_ACTIVE                  = 5,
	SA_AMF_COMP_1_ACTIVE                  = 6,
	SA_AMF_COMP_NON_PRE_INSTANTIABLE      = 7
} saAmfCompCapabilityModelT;

typedef enum {
	SA_AMF_NODE_NAME = 1,
	SA_AMF_SI_NAME   = 2
} SaAmfAdditionalInfoIdT;

typedef void (*SaAmfHealthcheckCallbackT)(SaInvocationT invocation,
	const SaNameT *compName, SaAmfHealthcheckKeyT *healthcheckKey);

typedef void (*SaAmfComponentTerminateCallbackT)(SaInvocationT invocation,
	const SaNameT *compName);

/* Deviation from openais 0.80.x, following the B.01.01 specification: the
 * CSI descriptor is passed by value (openais passed SaAmfCSIDescriptorT *). */
typedef void (*SaAmfCSISetCallbackT)(SaInvocationT invocation,
	const SaNameT *compName, SaAmfHAStateT haState,
	SaAmfCSIDescriptorT csiDescriptor);

typedef void (*SaAmfCSIRemoveCallbackT)(SaInvocationT invocation,
	const SaNameT *compName, const SaNameT *csiName,
	SaAmfCSIFlagsT csiFlags);

typedef void (*SaAmfExternalComponentInstantiateCallbackT)(
	SaInvocationT invocation, const SaNameT *proxiedCompName);

typedef void (*SaAmfExternalComponentCleanupCallbackT)(
	SaInvocationT invocation, const SaNameT *proxiedCompName);

typedef void (*SaAmfProtectionGroupTrackCallbackT)(const SaNameT *csiName,
	SaAmfProtectionGroupNotificationBufferT *notificationBuffer,
	SaUint32T numberOfMembers, SaAisErrorT error);

typedef struct {
	SaAmfHealthcheckCallbackT                  saAmfHealthcheckCallback;
	SaAmfComponentTerminateCallbackT           saAmfComponentTerminateCallback;
	SaAmfCSISetCallbackT                       saAmfCSISetCallback;
	SaAmfCSIRemoveCallbackT                    saAmfCSIRemoveCallback;
	SaAmfProtectionGroupTrackCallbackT         saAmfProtectionGroupTrackCallback;
	SaAmfExternalComponentInstantiateCallbackT saAmfExternalComponentInstantiateCallback;
	SaAmfExternalComponentCleanupCallbackT     saAmfExternalComponentCleanupCallback;
} SaAmfCallbacksT;

/* Library life cycle. */
SaAisErrorT saAmfInitialize(SaAmfHandleT *amfHandle,
	const SaAmfCallbacksT *amfCallbacks, SaVersionT *version);
SaAisErrorT saAmfSelectionObjectGet(SaAmfHandleT amfHandle,
	SaSelectionObjectT *selectionObject);
SaAisErrorT saAmfDispatch(SaAmfHandleT amfHandle,
	SaDispatchFlagsT dispatchFlags);
SaAisErrorT saAmfFinalize(SaAmfHandleT amfHandle);

/* Component registration. */
SaAisErrorT saAmfComponentRegister(SaAmfHandleT amfHandle,
	const SaNameT *compName, const SaNameT *proxyCompName);
SaAisErrorT saAmfComponentUnregister(SaAmfHandleT amfHandle,
	const SaNameT *compName, const SaNameT *proxyCompName);
SaAisErrorT saAmfComponentNameGet(SaAmfHandleT amfHandle, SaNameT *compName);

/* Passive monitoring. */
SaAisErrorT saAmfPmStart(SaAmfHandleT amfHandle, const SaNameT *compName,
	SaUint64T processId, SaInt32T descendentsTreeDepth,
	SaAmfPmErrorsT pmErrors, SaAmfRecommendedRecoveryT recommendedRecovery);
SaAisErrorT saAmfPmStop(SaAmfHandleT amfHandle, const SaNameT *compName,
	SaAmfPmStopQualifierT stopQualifier, SaInt64T processId,
	SaAmfPmErrorsT pmErrors);

/* Health checks. */
SaAisErrorT saAmfHealthcheckStart(SaAmfHandleT amfHandle,
	const SaNameT *compName, const SaAmfHealthcheckKeyT *healthcheckKey,
	SaAmfHealthcheckInvocationT invocationType,
	SaAmfRecommendedRecoveryT recommendedRecovery);
SaAisErrorT saAmfHealthcheckConfirm(SaAmfHandleT amfHandle,
	const SaNameT *compName, const SaAmfHealthcheckKeyT *healthcheckKey,
	SaAisErrorT healthcheckResult);
SaAisErrorT saAmfHealthcheckStop(SaAmfHandleT amfHandle,
	const SaNameT *compName, const SaAmfHealthcheckKeyT *healthcheckKey);

/* Workload assignment. */
SaAisErrorT saAmfHAStateGet(SaAmfHandleT amfHandle, const SaNameT *compName,
	const SaNameT *csiName, SaAmfHAStateT *haState);
SaAisErrorT saAmfCSIQuiescingComplete(SaAmfHandleT amfHandle,
	SaInvocationT invocation, SaAisErrorT error);

/* Protection groups. */
SaAisErrorT saAmfProtectionGroupTrack(SaAmfHandleT amfHandle,
	const SaNameT *csiName, SaUint8T trackFlags,
	SaAmfProtectionGroupNotificationBufferT *notificationBuffer);
SaAisErrorT saAmfProtectionGroupTrackStop(SaAmfHandleT amfHandle,
	const SaNameT *csiName);

/* Error reporting. */
SaAisErrorT saAmfComponentErrorReport(SaAmfHandleT amfHandle,
	const SaNameT *erroneousComponent, SaTimeT errorDetectionTime,
	SaAmfRecommendedRecoveryT recommendedRecovery,
	SaNtfIdentifierT ntfIdentifier);
SaAisErrorT saAmfComponentErrorClear(SaAmfHandleT amfHandle,
	const SaNameT *compName, SaNtfIdentifierT ntfIdentifier);

/* Response to a callback. */
SaAisErrorT saAmfResponse(SaAmfHandleT amfHandle, SaInvocationT invocation,
	SaAisErrorT error);

#ifdef __cplusplus
}
#endif

#endif /* SA_AMF_H_INCLUDED */
