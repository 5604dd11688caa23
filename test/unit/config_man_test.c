/*
 * config_man_test: postern.conf(5) is written from the key table, so
 * every key the parser knows is in it, each under its group, with its
 * default; and config_text names the keys a reload cannot apply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/config_int.h"

static char	*man_text(void);
static void	 test_rows_documented(void **);
static void	 test_every_key_in_page(void **);
static void	 test_groups_in_order(void **);
static void	 test_text_diff(void **);
static void	 test_reload_keys(void **);

static char *
man_text(void)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(config_man(f, "9.9", "2026-01-01"), 0);
	fclose(f);
	return buf;
}

/* A row without a description or a group would make a bare entry. */
static void
test_rows_documented(void **state)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++) {
		const struct config_key	*k = &config_keys[i];

		assert_non_null(k->doc);
		assert_true(strlen(k->doc) >= 10);
		assert_null(strchr(k->doc, '\n'));
		assert_true(k->group < CG_COUNT);
	}
}

static void
test_every_key_in_page(void **state)
{
	char	*page = man_text(), want[128];
	size_t	 i;

	for (i = 0; i < config_nkeys; i++) {
		snprintf(want, sizeof(want), ".TP\n.B %s\n",
		    config_keys[i].name);
		if (strstr(page, want) == NULL)
			fail_msg("%s missing from postern.conf(5)",
			    config_keys[i].name);
		/* the default follows the description */
		if (config_keys[i].def != NULL && *config_keys[i].def != '\0' &&
		    strchr(config_keys[i].def, '-') == NULL) {
			snprintf(want, sizeof(want), "Default: \\fB%s\\fR.",
			    config_keys[i].def);
			if (strstr(page, want) == NULL)
				fail_msg("%s: no '%s'", config_keys[i].name,
				    want);
		}
	}
	assert_non_null(strstr(page, ".TH POSTERN.CONF 5 \"2026-01-01\" "
	    "\"postern 9.9\""));
	free(page);
}

static void
test_groups_in_order(void **state)
{
	char		*page = man_text(), want[128];
	const char	*at = page, *p;
	size_t		 g;

	for (g = 0; g < CG_COUNT; g++) {
		snprintf(want, sizeof(want), ".SS %s\n",
		    config_group_titles[g]);
		assert_non_null(p = strstr(at, want));
		at = p + 1;
	}
	free(page);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
test_text_diff(void **state)
{
	struct config_text	 a, b;
	char			 path[] = "/tmp/config_man_testXXXXXX";
	const char		*key;
	size_t			 i = 0;
	int			 fd;

	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	write_file(path, "# c\nmax_errors = 5\ntimeout_tls=60s\n"
	    "hostname = a.example\nlog_level = info\n");
	assert_int_equal(config_text_load(&a, path), 0);
	/* same values, other spacing and order; one changed, one gone,
	   one new, and an unknown key ignored */
	write_file(path, "timeout_tls = 60s\nmax_errors=6\n\n"
	    "hostname = a.example\nmax_sessions = 9\nbogus = 1\n");
	assert_int_equal(config_text_load(&b, path), 0);
	unlink(path);
	assert_string_equal(key = config_text_diff(&a, &b, &i),
	    "max_errors");
	assert_non_null(key = config_text_diff(&a, &b, &i));
	assert_string_equal(key, "max_sessions");
	assert_non_null(key = config_text_diff(&a, &b, &i));
	assert_string_equal(key, "log_level");
	assert_null(config_text_diff(&a, &b, &i));
	i = 0;
	assert_null(config_text_diff(&a, &a, &i));
	config_text_free(&a);
	config_text_free(&b);
}

/*
 * A CONFIG_RELOAD row's value read back as the unsigned the reload
 * sends (its field must be one: parse_uint or parse_duration, in ms),
 * and set on another config; other rows refused.
 */
static void
test_reload_keys(void **state)
{
	struct config	 c, d;
	char		 path[] = "/tmp/config_man_testXXXXXX", line[128];
	char		 err[512];
	uint32_t	 v;
	size_t		 i, n = 0;
	FILE		*f;
	int		 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	for (i = 0; i < config_nkeys; i++)
		if (config_keys[i].flags & CONFIG_RELOAD) {
			/* 7 is inside every reloadable row's bounds, as a
			   number and as 7 s */
			snprintf(line, sizeof(line), "%s = 7\n",
			    config_keys[i].name);
			fputs(line, f);
		}
	fclose(f);
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	unlink(path);
	config_defaults(&d);
	for (i = 0; i < CONFIG_KEYS_MAX; i++) {
		if (i >= config_nkeys || !(config_keys[i].flags &
		    CONFIG_RELOAD)) {
			assert_int_equal(config_reload_value(&c, i, &v), -1);
			assert_int_equal(config_reload_set(&d, i, 1), -1);
			continue;
		}
		n++;
		assert_int_equal(config_reload_value(&c, i, &v), 0);
		assert_true(v == 7 || v == 7000);
		assert_int_equal(config_reload_set(&d, i, v), 0);
	}
	assert_true(n >= 8);
	assert_int_equal(d.max_errors, 7);
	assert_int_equal(d.timeout_tls_ms, 7000);
	assert_int_equal(d.shutdown_grace_ms, 7000);
	assert_int_equal(d.max_message_size, c.max_message_size);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_documented),
		cmocka_unit_test(test_every_key_in_page),
		cmocka_unit_test(test_groups_in_order),
		cmocka_unit_test(test_text_diff),
		cmocka_unit_test(test_reload_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
