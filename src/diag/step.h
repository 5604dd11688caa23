/*
 * step: the step recorder of `postern check`, shared by its SMTP leg
 * (check.c) and its IMAP leg (check_imap.c).  A check runs steps in
 * order; each records its state, its time, a one-line detail for people
 * and notes that say what it means.  The first failure is the result's:
 * its step and the exit status its row gives.
 *
 * The two legs keep their records in arrays of different types (an SMTP
 * record keeps the server's reply, an IMAP one its response line and a
 * longer note), so a recorder is told where the fields of one record sit
 * (STEP_LAYOUT) and writes only those.
 *
 * Invariants: detail and note stay NUL-terminated within their arrays;
 * notes are appended one space apart and cut at the end of the array.
 * Nothing here fails.
 */
#ifndef POSTERN_STEP_H
#define POSTERN_STEP_H

#include <stddef.h>
#include <stdint.h>

enum step_state { STEP_SKIPPED, STEP_OK, STEP_WARN, STEP_FAILED };

/* A step's name and the exit status its failure gives `postern check`. */
struct step_def {
	const char	*name;
	int		 exit_status;
};

/* Where one record keeps state, ms, detail[] and note[]. */
struct step_layout {
	size_t	size;
	size_t	state;
	size_t	ms;
	size_t	detail;
	size_t	detailsz;
	size_t	note;
	size_t	notesz;
};

#define STEP_FIELDSZ(type, f)	sizeof(((type *)0)->f)
#define STEP_LAYOUT(type) { sizeof(type), offsetof(type, state), \
	offsetof(type, ms), offsetof(type, detail), \
	STEP_FIELDSZ(type, detail), offsetof(type, note), \
	STEP_FIELDSZ(type, note) }

/* One leg's recorder: its records, its table, where failure goes. */
struct steps {
	const struct step_layout *layout;
	void			*records;	/* the result's step[] */
	const struct step_def	*defs;		/* a row per step */
	size_t			 count;
	int			*failed;	/* the failed step, or -1 */
	int			*exit_status;
	uint64_t		 t0;		/* this step's start */
};

/* A recorder of count steps into records (zeroed t0, no failure yet). */
void	step_init(struct steps *, const struct step_layout *, void *records,
	    const struct step_def *, size_t count, int *failed,
	    int *exit_status);
/* The step starts: its clock, and OK until it says otherwise. */
void	step_begin(struct steps *, int);
/* The step ends with a state and a detail: -1 if it failed, else 0. */
int	step_end(struct steps *, int, enum step_state, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
/* A sentence more for the step's note. */
void	step_note(struct steps *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* The step's current state (a warning may be set before its end). */
enum step_state *step_state(struct steps *, int);
/* A row of a table of count steps: its name ("?") and exit status (1). */
const char *step_name(const struct step_def *, size_t count, int);
int	step_exit(const struct step_def *, size_t count, int);
/* The TLS handshake met a plaintext greeting (OpenSSL's words for it). */
int	step_met_plaintext(const char *);

#endif
