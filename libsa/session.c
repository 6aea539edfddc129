/* Sessions: see session.h. */
#include "session.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "ipc.h"

SaAisErrorT sa_session_open(struct sa_session *s, uint32_t service)
{
	uint64_t conn_id = 0, secret = 0;
	int req_fd, disp_fd;

	memset(s, 0, sizeof *s);
	SaAisErrorT err = sa_conn_open(service, AIS_CONN_REQUEST, &conn_id, &secret, &req_fd);
	if (err != SA_AIS_OK)
		return err;
	err = sa_conn_open(service, AIS_CONN_DISPATCH, &conn_id, &secret, &disp_fd);
	if (err != SA_AIS_OK) {
		close(req_fd);
		return err;
	}
	if (pthread_mutex_init(&s->req_lock, NULL) != 0) {
		close(req_fd);
		close(disp_fd);
		return SA_AIS_ERR_NO_RESOURCES;
	}
	if (pthread_mutex_init(&s->disp_lock, NULL) != 0) {
		pthread_mutex_destroy(&s->req_lock);
		close(req_fd);
		close(disp_fd);
		return SA_AIS_ERR_NO_RESOURCES;
	}
	s->service = service;
	s->req_fd = req_fd;
	s->disp_fd = disp_fd;
	s->next_context = 1;	/* the CONNECT used 1 */
	atomic_init(&s->finalized, false);
	atomic_init(&s->dead, false);
	atomic_init(&s->disp_broken, false);
	s->open = true;
	return SA_AIS_OK;
}

void sa_session_shutdown(struct sa_session *s)
{
	atomic_store(&s->finalized, true);
	shutdown(s->req_fd, SHUT_RDWR);
	shutdown(s->disp_fd, SHUT_RDWR);
}

void sa_session_kill(struct sa_session *s)
{
	atomic_store(&s->dead, true);
	shutdown(s->req_fd, SHUT_RDWR);
}

SaAisErrorT sa_session_state(const struct sa_session *s)
{
	if (atomic_load(&s->finalized))
		return SA_AIS_ERR_BAD_HANDLE;
	if (atomic_load(&s->dead))
		return SA_AIS_ERR_LIBRARY;
	return SA_AIS_OK;
}

void sa_session_close(struct sa_session *s)
{
	if (!s->open)
		return;
	s->open = false;
	close(s->req_fd);
	close(s->disp_fd);
	sa_frame_rx_reset(&s->req_rx);
	sa_frame_rx_reset(&s->disp_rx);
	pthread_mutex_destroy(&s->req_lock);
	pthread_mutex_destroy(&s->disp_lock);
}
