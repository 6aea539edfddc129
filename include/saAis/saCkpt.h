/* SA Forum AIS B.01.01: Checkpoint Service (written for this project; ABI-compatible with openais 0.80.x on x86-64). */
#ifndef SA_CKPT_H_INCLUDED
#define SA_CKPT_H_INCLUDED

#include "saAis.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef SaUint64T SaCkptHandleT;
typedef SaUint64T SaCkptCheckpointHandleT;
typedef SaUint64T SaCkptSectionIterationHandleT;

/* Checkpoint creation flags. */
#define SA_CKPT_WR_ALL_REPLICAS        0x1
#define SA_CKPT_WR_ACTIVE_REPLICA      0x2
#define SA_CKPT_WR_ACTIVE_REPLICA_WEAK 0x4
#define SA_CKPT_CHECKPOINT_COLLOCATED  0x8
typedef SaUint32T SaCkptCheckpointCreationFlagsT;

typedef struct {
	SaCkptCheckpointCreationFlagsT creationFlags;
	SaSizeT                        checkpointSize;
	SaTimeT                        retentionDuration;
	SaUint32T                      maxSections;
	SaSizeT                        maxSectionSize;
	SaSizeT                        maxSectionIdSize;
} SaCkptCheckpointCreationAttributesT;

/* Checkpoint open flags. */
#define SA_CKPT_CHECKPOINT_READ   0x1
#define SA_CKPT_CHECKPOINT_WRITE  0x2
#define SA_CKPT_CHECKPOINT_CREATE 0x4
typedef SaUint32T SaCkptCheckpointOpenFlagsT;

/* Initialisers for the special section identifiers (idLen 0, id null). */
#define SA_CKPT_DEFAULT_SECTION_ID   { 0, 0 }
#define SA_CKPT_GENERATED_SECTION_ID { 0, 0 }

typedef struct {
	SaUint16T idLen;
	SaUint8T *id;
} SaCkptSectionIdT;

typedef struct {
	SaCkptSectionIdT *sectionId;
	SaTimeT           expirationTime;
} SaCkptSectionCreationAttributesT;

typedef enum {
	SA_CKPT_SECTION_VALID     = 1,
	SA_CKPT_SECTION_CORRUPTED = 2
} SaCkptSectionStateT;

typedef struct {
	SaCkptSectionIdT    sectionId;
	SaTimeT             expirationTime;
	SaSizeT             sectionSize;
	SaCkptSectionStateT sectionState;
	SaTimeT             lastUpdate;
} SaCkptSectionDescriptorT;

typedef enum {
	SA_CKPT_SECTIONS_FOREVER             = 1,
	SA_CKPT_SECTIONS_LEQ_EXPIRATION_TIME = 2,
	SA_CKPT_SECTIONS_GEQ_EXPIRATION_TIME = 3,
	SA_CKPT_SECTIONS_CORRUPTED           = 4,
	SA_CKPT_SECTIONS_ANY                 = 5
} SaCkptSectionsChosenT;

typedef SaUint64T SaOffsetT;

typedef struct {
	SaCkptSectionIdT sectionId;
	void            *dataBuffer;
	SaSizeT          dataSize;
	SaOffsetT        dataOffset;
	SaSizeT          readSize;
} SaCkptIOVectorElementT;

typedef struct {
	SaCkptCheckpointCreationAttributesT checkpointCreationAttributes;
	SaUint32T                           numberOfSections;
	SaUint32T                           memoryUsed;
} SaCkptCheckpointDescriptorT;

typedef void (*SaCkptCheckpointOpenCallbackT)(SaInvocationT invocation,
	const SaCkptCheckpointHandleT checkpointHandle, SaAisErrorT error);

typedef void (*SaCkptCheckpointSynchronizeCallbackT)(SaInvocationT invocation,
	SaAisErrorT error);

typedef struct {
	SaCkptCheckpointOpenCallbackT        saCkptCheckpointOpenCallback;
	SaCkptCheckpointSynchronizeCallbackT saCkptCheckpointSynchronizeCallback;
} SaCkptCallbacksT;

/* Library life cycle. */
SaAisErrorT saCkptInitialize(SaCkptHandleT *ckptHandle,
	const SaCkptCallbacksT *callbacks, SaVersionT *version);
SaAisErrorT saCkptSelectionObjectGet(SaCkptHandleT ckptHandle,
	SaSelectionObjectT *selectionObject);
SaAisErrorT saCkptDispatch(SaCkptHandleT ckptHandle,
	SaDispatchFlagsT dispatchFlags);
SaAisErrorT saCkptFinalize(SaCkptHandleT ckptHandle);

/* Checkpoint management. */
SaAisErrorT saCkptCheckpointOpen(SaCkptHandleT ckptHandle,
	const SaNameT *checkpointName,
	const SaCkptCheckpointCreationAttributesT *checkpointCreationAttributes,
	SaCkptCheckpointOpenFlagsT checkpointOpenFlags, SaTimeT timeout,
	SaCkptCheckpointHandleT *checkpointHandle);
SaAisErrorT saCkptCheckpointOpenAsync(SaCkptHandleT ckptHandle,
	SaInvocationT invocation, const SaNameT *checkpointName,
	const SaCkptCheckpointCreationAttributesT *checkpointCreationAttributes,
	SaCkptCheckpointOpenFlagsT checkpointOpenFlags);
SaAisErrorT saCkptCheckpointClose(SaCkptCheckpointHandleT checkpointHandle);
SaAisErrorT saCkptCheckpointUnlink(SaCkptHandleT ckptHandle,
	const SaNameT *checkpointName);
SaAisErrorT saCkptCheckpointRetentionDurationSet(
	SaCkptCheckpointHandleT checkpointHandle, SaTimeT retentionDuration);
SaAisErrorT saCkptActiveReplicaSet(
	const SaCkptCheckpointHandleT checkpointHandle);
SaAisErrorT saCkptCheckpointStatusGet(SaCkptCheckpointHandleT checkpointHandle,
	SaCkptCheckpointDescriptorT *checkpointStatus);

/* Section management.
 * Deviation from openais 0.80.x, following the B.01.01 specification:
 * initialDataSize is an SaSizeT (openais declared it SaUint32T). */
SaAisErrorT saCkptSectionCreate(SaCkptCheckpointHandleT checkpointHandle,
	SaCkptSectionCreationAttributesT *sectionCreationAttributes,
	const void *initialData, SaSizeT initialDataSize);
SaAisErrorT saCkptSectionDelete(SaCkptCheckpointHandleT checkpointHandle,
	const SaCkptSectionIdT *sectionId);
SaAisErrorT saCkptSectionExpirationTimeSet(
	SaCkptCheckpointHandleT checkpointHandle,
	const SaCkptSectionIdT *sectionId, SaTimeT expirationTime);
SaAisErrorT saCkptSectionIterationInitialize(
	const SaCkptCheckpointHandleT checkpointHandle,
	SaCkptSectionsChosenT sectionsChosen, SaTimeT expirationTime,
	SaCkptSectionIterationHandleT *sectionIterationHandle);
SaAisErrorT saCkptSectionIterationNext(
	SaCkptSectionIterationHandleT sectionIterationHandle,
	SaCkptSectionDescriptorT *sectionDescriptor);
SaAisErrorT saCkptSectionIterationFinalize(
	SaCkptSectionIterationHandleT sectionIterationHandle);

/* Data access.  saCkptSectionOverwrite is the specification's name (the
 * openais 0.80.x symbol-version script exports it as saCkptCheckpointOverwrite). */
SaAisErrorT saCkptCheckpointWrite(SaCkptCheckpointHandleT checkpointHandle,
	const SaCkptIOVectorElementT *ioVector, SaUint32T numberOfElements,
	SaUint32T *erroneousVectorIndex);
SaAisErrorT saCkptSectionOverwrite(SaCkptCheckpointHandleT checkpointHandle,
	const SaCkptSectionIdT *sectionId, const void *dataBuffer,
	SaSizeT dataSize);
SaAisErrorT saCkptCheckpointRead(SaCkptCheckpointHandleT checkpointHandle,
	SaCkptIOVectorElementT *ioVector, SaUint32T numberOfElements,
	SaUint32T *erroneousVectorIndex);
SaAisErrorT saCkptCheckpointSynchronize(
	SaCkptCheckpointHandleT checkpointHandle, SaTimeT timeout);
SaAisErrorT saCkptCheckpointSynchronizeAsync(
	SaCkptCheckpointHandleT checkpointHandle, SaInvocationT invocation);

#ifdef __cplusplus
}
#endif

#endif /* SA_CKPT_H_INCLUDED */
