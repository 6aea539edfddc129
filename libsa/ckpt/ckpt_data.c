/* CKPT: saCkptCheckpointWrite, saCkptSectionOverwrite, saCkptCheckpointRead.
 *
 * Write is all or nothing: the executive checks every element before it
 * changes any, so on an error no element was written and
 * *erroneousVectorIndex names the first bad one.  (openais writes the elements
 * before the bad one; the specification allows both.) */
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "ckpt_internal.h"
#include "export.h"

#define MAX_IOV SA_FRAME_MAX_IOV

/* A request of a fixed part and, per element, an io header, the id and (for a
 * write) the data, each padded.  Small ones go out as an iovec; bigger ones
 * are gathered into one buffer. */
struct io_frame {
	struct ais_req_ckpt_io req;
	struct ais_ckpt_io *ios;
	struct iovec iov[MAX_IOV];
	int iovcnt;
	unsigned char *flat;
};

static bool add_part(struct iovec *iov, int *n, int cap, const void *p, size_t len)
{
	if (*n >= cap)
		return false;
	iov[*n].iov_base = (void *)p;
	iov[*n].iov_len = len;
	(*n)++;
	return true;
}

/* Fills f from the vector; data (writes) or only ids (reads).  Errors:
 * SA_AIS_ERR_NO_MEMORY, SA_AIS_ERR_NO_RESOURCES (beyond the frame limit). */
static SaAisErrorT io_build(struct io_frame *f, uint32_t id, uint64_t open_id,
	const SaCkptIOVectorElementT *v, SaUint32T n, bool with_data)
{
	memset(f, 0, sizeof *f);
	f->req.header.id = id;
	f->req.open_id = open_id;
	f->req.count = n;
	f->ios = calloc(n, sizeof *f->ios);
	if (f->ios == NULL)
		return SA_AIS_ERR_NO_MEMORY;
	size_t total = sizeof f->req;
	int per = with_data ? 5 : 3;
	bool fits = 1 + (size_t)n * (size_t)per <= MAX_IOV;
	struct iovec *iov = f->iov;
	int cnt = 0;
	add_part(iov, &cnt, MAX_IOV, &f->req, sizeof f->req);
	for (SaUint32T i = 0; i < n; i++) {
		f->ios[i].data_offset = v[i].dataOffset;
		f->ios[i].id_len = v[i].sectionId.idLen;
		size_t data = with_data ? v[i].dataSize : 0;
		if (with_data) {
			f->ios[i].data_size = v[i].dataSize;
		} else if (v[i].dataBuffer == NULL) {
			f->ios[i].flags = AIS_CKPT_IO_TO_END;
		} else {
			f->ios[i].data_size = v[i].dataSize;
		}
		size_t idl = v[i].sectionId.idLen;
		size_t add = sizeof f->ios[i] + idl + ckpt_pad(idl);
		if (data > AIS_IPC_MAX_FRAME || total + add + data + ckpt_pad(data) > AIS_IPC_MAX_FRAME)
			return SA_AIS_ERR_NO_RESOURCES;
		total += add + data + ckpt_pad(data);
		if (fits) {
			add_part(iov, &cnt, MAX_IOV, &f->ios[i], sizeof f->ios[i]);
			add_part(iov, &cnt, MAX_IOV, v[i].sectionId.id, idl);
			add_part(iov, &cnt, MAX_IOV, ckpt_zeros, ckpt_pad(idl));
			if (with_data) {
				add_part(iov, &cnt, MAX_IOV, v[i].dataBuffer, data);
				add_part(iov, &cnt, MAX_IOV, ckpt_zeros, ckpt_pad(data));
			}
		}
	}
	if (fits) {
		f->iovcnt = cnt;
		return SA_AIS_OK;
	}
	f->flat = malloc(total);
	if (f->flat == NULL)
		return SA_AIS_ERR_NO_MEMORY;
	unsigned char *p = f->flat;
	memcpy(p, &f->req, sizeof f->req);
	p += sizeof f->req;
	for (SaUint32T i = 0; i < n; i++) {
		size_t idl = v[i].sectionId.idLen;
		memcpy(p, &f->ios[i], sizeof f->ios[i]);
		p += sizeof f->ios[i];
		if (idl)
			memcpy(p, v[i].sectionId.id, idl);
		memset(p + idl, 0, ckpt_pad(idl));
		p += idl + ckpt_pad(idl);
		if (with_data) {
			size_t data = v[i].dataSize;
			if (data)
				memcpy(p, v[i].dataBuffer, data);
			memset(p + data, 0, ckpt_pad(data));
			p += data + ckpt_pad(data);
		}
	}
	f->iov[0].iov_base = f->flat;
	f->iov[0].iov_len = total;
	f->iovcnt = 1;
	return SA_AIS_OK;
}

static void io_free(struct io_frame *f)
{
	free(f->ios);
	free(f->flat);
}

/* The first element that cannot be sent as it is, or n. */
static SaUint32T bad_element(const SaCkptIOVectorElementT *v, SaUint32T n, bool write)
{
	for (SaUint32T i = 0; i < n; i++) {
		if (v[i].sectionId.idLen > 0 && v[i].sectionId.id == NULL)
			return i;
		if (write && v[i].dataBuffer == NULL && v[i].dataSize > 0)
			return i;
	}
	return n;
}

/* Errors that name an element. */
static bool element_error(SaAisErrorT err)
{
	return err == SA_AIS_ERR_INVALID_PARAM || err == SA_AIS_ERR_NOT_EXIST ||
		err == SA_AIS_ERR_NO_SPACE;
}

/* A vector the library can send: SA_AIS_ERR_INVALID_PARAM otherwise, with the
 * index of the first bad element in *erroneousVectorIndex (if given). */
static SaAisErrorT vector_ok(const SaCkptIOVectorElementT *v, SaUint32T n, bool writing,
	SaUint32T *erroneousVectorIndex)
{
	if (v == NULL || n == 0)
		return SA_AIS_ERR_INVALID_PARAM;
	SaUint32T bad = bad_element(v, n, writing);
	if (bad < n) {
		if (erroneousVectorIndex != NULL)
			*erroneousVectorIndex = bad;
		return SA_AIS_ERR_INVALID_PARAM;
	}
	return SA_AIS_OK;
}

SA_EXPORT SaAisErrorT saCkptCheckpointWrite(SaCkptCheckpointHandleT checkpointHandle,
	const SaCkptIOVectorElementT *ioVector, SaUint32T numberOfElements,
	SaUint32T *erroneousVectorIndex)
{
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get_for(checkpointHandle, SA_CKPT_CHECKPOINT_WRITE, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;
	err = vector_ok(ioVector, numberOfElements, true, erroneousVectorIndex);
	if (err != SA_AIS_OK) {
		ckpt_put(cp, ci);
		return err;
	}
	struct io_frame f;
	err = io_build(&f, AIS_CKPT_WRITE, open_id, ioVector, numberOfElements, true);
	if (err == SA_AIS_OK) {
		struct ais_res_ckpt_io res;
		err = sa_callv(&ci->session, f.iov, f.iovcnt, &res, sizeof res, SA_DEFAULT_TIMEOUT);
		if (element_error(err) && erroneousVectorIndex != NULL)
			*erroneousVectorIndex = res.error_index;
	}
	io_free(&f);
	ckpt_put(cp, ci);
	return err;
}

SA_EXPORT SaAisErrorT saCkptSectionOverwrite(SaCkptCheckpointHandleT checkpointHandle,
	const SaCkptSectionIdT *sectionId, const void *dataBuffer, SaSizeT dataSize)
{
	if (!ckpt_section_id_ok(sectionId) || (dataBuffer == NULL && dataSize > 0))
		return SA_AIS_ERR_INVALID_PARAM;
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get_for(checkpointHandle, SA_CKPT_CHECKPOINT_WRITE, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;
	struct ais_req_ckpt_overwrite req;
	memset(&req, 0, sizeof req);
	req.header.id = AIS_CKPT_OVERWRITE;
	req.open_id = open_id;
	req.data_size = dataSize;
	req.id_len = sectionId->idLen;
	struct iovec iov[5] = {
		{ .iov_base = &req, .iov_len = sizeof req },
		{ .iov_base = sectionId->id, .iov_len = sectionId->idLen },
		{ .iov_base = (void *)ckpt_zeros, .iov_len = ckpt_pad(sectionId->idLen) },
		{ .iov_base = (void *)dataBuffer, .iov_len = dataSize },
		{ .iov_base = (void *)ckpt_zeros, .iov_len = ckpt_pad(dataSize) },
	};
	struct ais_ipc_header res;
	err = ckpt_call_error(sa_callv(&ci->session, iov, 5, &res, sizeof res, SA_DEFAULT_TIMEOUT));
	ckpt_put(cp, ci);
	return err;
}

/* Copies the answered elements out of a read response.  A NULL dataBuffer gets
 * a buffer from malloc() holding everything from dataOffset to the end of the
 * section (B.01.01: the process frees it). */
static SaAisErrorT read_out(SaCkptIOVectorElementT *v, SaUint32T n,
	const unsigned char *frame, size_t size)
{
	const struct ais_res_ckpt_io *res = (const void *)frame;
	if (size < sizeof *res || res->count > n || (size - sizeof *res) / 8 < res->count)
		return SA_AIS_ERR_LIBRARY;
	const unsigned char *sizes = frame + sizeof *res;
	size_t off = sizeof *res + (size_t)res->count * 8;
	for (uint32_t i = 0; i < res->count; i++) {
		uint64_t len;
		memcpy(&len, sizes + (size_t)i * 8, sizeof len);
		if (len > size - off || ckpt_pad(len) > size - off - len)
			return SA_AIS_ERR_LIBRARY;
		if (v[i].dataBuffer != NULL && len > v[i].dataSize)
			return SA_AIS_ERR_LIBRARY;
		off += len + ckpt_pad(len);
	}
	if (off != size)
		return SA_AIS_ERR_LIBRARY;
	/* every library buffer first, so that a failure leaves the vector as it was */
	void **bufs = calloc(res->count ? res->count : 1, sizeof *bufs);
	if (bufs == NULL)
		return SA_AIS_ERR_NO_MEMORY;
	for (uint32_t i = 0; i < res->count; i++) {
		uint64_t len;
		memcpy(&len, sizes + (size_t)i * 8, sizeof len);
		bufs[i] = v[i].dataBuffer;
		if (bufs[i] == NULL && (bufs[i] = malloc(len ? len : 1)) == NULL) {
			for (uint32_t j = 0; j < i; j++)
				if (v[j].dataBuffer == NULL)
					free(bufs[j]);
			free(bufs);
			return SA_AIS_ERR_NO_MEMORY;
		}
	}
	off = sizeof *res + (size_t)res->count * 8;
	for (uint32_t i = 0; i < res->count; i++) {
		uint64_t len;
		memcpy(&len, sizes + (size_t)i * 8, sizeof len);
		v[i].dataBuffer = bufs[i];
		memcpy(v[i].dataBuffer, frame + off, len);
		v[i].readSize = len;
		off += len + ckpt_pad(len);
	}
	free(bufs);
	return SA_AIS_OK;
}

SA_EXPORT SaAisErrorT saCkptCheckpointRead(SaCkptCheckpointHandleT checkpointHandle,
	SaCkptIOVectorElementT *ioVector, SaUint32T numberOfElements,
	SaUint32T *erroneousVectorIndex)
{
	struct ckpt_checkpoint *cp;
	struct ckpt_instance *ci;
	uint64_t open_id;
	SaAisErrorT err = ckpt_get_for(checkpointHandle, SA_CKPT_CHECKPOINT_READ, &cp, &ci, &open_id);
	if (err != SA_AIS_OK)
		return err;
	err = vector_ok(ioVector, numberOfElements, false, erroneousVectorIndex);
	if (err != SA_AIS_OK) {
		ckpt_put(cp, ci);
		return err;
	}
	struct io_frame f;
	err = io_build(&f, AIS_CKPT_READ, open_id, ioVector, numberOfElements, false);
	void *frame = NULL;
	size_t size = 0;
	if (err == SA_AIS_OK)
		err = sa_callv_alloc(&ci->session, f.iov, f.iovcnt, &frame, &size, SA_DEFAULT_TIMEOUT);
	if (err == SA_AIS_OK) {
		err = read_out(ioVector, numberOfElements, frame, size);
		if (err == SA_AIS_ERR_LIBRARY)
			sa_session_kill(&ci->session);
	} else if (element_error(err) && erroneousVectorIndex != NULL && frame != NULL &&
		   size >= sizeof(struct ais_res_ckpt_io)) {
		*erroneousVectorIndex = ((const struct ais_res_ckpt_io *)frame)->error_index;
	}
	free(frame);
	io_free(&f);
	ckpt_put(cp, ci);
	return err;
}
