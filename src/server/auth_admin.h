/*
 * auth_admin: the thread of the auth process that runs the admin API's
 * store operations for the admin process (auth_admin.c, api.h).
 */
#ifndef POSTERN_AUTH_ADMIN_H
#define POSTERN_AUTH_ADMIN_H

struct config;

/* Serve the admin process's socket (-1: none).  0 or -1. */
int	auth_admin_start(const struct config *, const char *datadir,
	    int sock);
void	auth_admin_stop(void);

#endif
