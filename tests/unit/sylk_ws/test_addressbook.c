/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/contacts/addressbook: updates and their refusals,
 * the XCAP documents written and read back, foreign documents (a SIP
 * client's own entries and rules), the diff and the watch list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/contacts/addressbook.h"

static const char BOB[] = "{\"id\":\"c1\",\"name\":\"Bob\",\"uris\":[{\"id\":\"u1\",\"uri\":"
			  "\"bob@example.com\",\"type\":\"work\"}],\"presence\":{\"policy\":"
			  "\"allow\",\"subscribe\":true},\"dialog\":{\"policy\":\"default\","
			  "\"subscribe\":false}}";
static const char CAROL[] = "{\"id\":\"c2\",\"name\":\"Carol\",\"uris\":[{\"id\":\"u2\",\"uri\":"
			    "\"sip:carol@example.com\"},{\"id\":\"u3\",\"uri\":\"tel:+3112\"}]}";
static const char GROUP[] = "{\"id\":\"g1\",\"name\":\"Friends\",\"contacts\":[" /* */
			    "{\"id\":\"c1\",\"name\":\"Bob\",\"uris\":[{\"id\":\"u1\",\"uri\":"
			    "\"bob@example.com\"}]}]}";
static const char POLICY[] = "{\"id\":\"p1\",\"name\":\"\",\"uri\":\"dave@example.com\","
			     "\"presence\":{\"policy\":\"block\",\"subscribe\":false}}";

static int apply(json_object *ab, enum sylkrtc_ab_type t, enum sylkrtc_ab_action a,
		 const char *data, enum ab_reason *why)
{
	json_object *item = NULL;
	char id[AB_ID_MAX + 1];
	int err = ab_apply(ab, t, a, data, &item, id, why);

	json_object_put(item);
	return err;
}

static json_object *sample(void)
{
	json_object *ab = ab_new();
	enum ab_reason why;

	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_ADD, BOB, &why), 0);
	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_ADD, CAROL, &why), 0);
	CHECK_INT(apply(ab, SYLKRTC_AB_GROUP, SYLKRTC_AB_ADD, GROUP, &why), 0);
	CHECK_INT(apply(ab, SYLKRTC_AB_POLICY, SYLKRTC_AB_ADD, POLICY, &why), 0);
	return ab;
}

static void test_refusals(void)
{
	json_object *ab = sample();
	enum ab_reason why;

	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_ADD, BOB, &why), EINVAL);
	CHECK_INT(why, AB_EXISTS);
	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_ADD, "{\"id\":\"x\"}", &why), EINVAL);
	CHECK_INT(why, AB_NO_URI);
	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_ADD,
			"{\"id\":\"x\",\"uris\":[{\"uri\":\"bob @x\"}]}", &why),
		  EINVAL);
	CHECK_INT(why, AB_BAD_URI);
	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_ADD, "{\"uris\":[]}", &why), EINVAL);
	CHECK_INT(why, AB_NO_ID);
	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_UPDATE,
			"{\"id\":\"nope\",\"uris\":[{\"uri\":\"a@b.c\"}]}", &why),
		  EINVAL);
	CHECK_INT(why, AB_NOT_FOUND);
	CHECK_INT(apply(ab, SYLKRTC_AB_POLICY, SYLKRTC_AB_ADD, "{\"id\":\"p9\"}", &why), EINVAL);
	CHECK_INT(why, AB_NO_URI);
	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_ADD, "not json", &why), EINVAL);
	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_ADD, "{\"id\":\"a\x01\"}", &why),
		  EINVAL);
	CHECK(strcmp(ab_reason_str(AB_BAD_URI), "?") != 0);
	json_object_put(ab);
}

static void test_delete_leaves_groups(void)
{
	json_object *ab = sample(), *groups, *cs;
	enum ab_reason why;

	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_DELETE, "{\"id\":\"c1\"}", &why), 0);
	json_object_object_get_ex(ab, "groups", &groups);
	json_object_object_get_ex(json_object_array_get_idx(groups, 0), "contacts", &cs);
	CHECK_INT(json_object_array_length(cs), 0);
	CHECK_INT(apply(ab, SYLKRTC_AB_CONTACT, SYLKRTC_AB_DELETE, "{\"id\":\"c1\"}", &why),
		  EINVAL);
	CHECK_INT(why, AB_NOT_FOUND);
	json_object_put(ab);
}

static void test_round_trip(void)
{
	json_object *ab = sample(), *back = ab_new();
	char *lists = NULL, *rules = NULL;
	size_t n1 = 0, n2 = 0;

	CHECK_INT(ab_write_lists(ab, &lists, &n1), 0);
	CHECK_INT(ab_write_rules(ab, &rules, &n2), 0);
	CHECK(strstr(lists, "<entry uri=\"sip:bob@example.com\">") != NULL);
	CHECK(strstr(lists, "<display-name>Bob</display-name>") != NULL);
	CHECK(strstr(rules, "<cr:one id=\"sip:dave@example.com\"/>") != NULL);
	CHECK(strstr(rules, "<pr:sub-handling>block</pr:sub-handling>") != NULL);
	/* Bob's presence policy "allow" is a rule the presence server reads */
	CHECK(strstr(rules, "sylk-contact-c1-0") != NULL);
	CHECK(strstr(rules, "<pr:sub-handling>allow</pr:sub-handling>") != NULL);
	CHECK_INT(ab_read_lists(back, lists, n1), 0);
	CHECK_INT(ab_read_rules(back, rules, n2), 0);
	CHECK(json_object_equal(ab, back));
	free(lists);
	free(rules);
	json_object_put(ab);
	json_object_put(back);
}

static void test_foreign_documents(void)
{
	static const char lists[] =
		"<?xml version=\"1.0\"?><resource-lists "
		"xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list name=\"buddies\">"
		"<entry uri=\"sip:erin@example.com\"><display-name>Erin</display-name></entry>"
		"<entry uri=\"sip:bad uri\"/></list></resource-lists>";
	static const char rules[] =
		"<cr:ruleset xmlns:cr=\"urn:ietf:params:xml:ns:common-policy\" "
		"xmlns:pr=\"urn:ietf:params:xml:ns:pres-rules\"><cr:rule id=\"r1\"><cr:conditions>"
		"<cr:identity><cr:one id=\"sip:bob@example.com\"/></cr:identity></cr:conditions>"
		"<cr:actions><pr:sub-handling>allow</pr:sub-handling></cr:actions></cr:rule>"
		"</cr:ruleset>";
	json_object *ab = ab_new(), *arr, *c;

	CHECK_INT(ab_read_lists(ab, lists, sizeof(lists) - 1), 0);
	json_object_object_get_ex(ab, "contacts", &arr);
	CHECK_INT(json_object_array_length(arr), 1);
	c = json_object_array_get_idx(arr, 0);
	CHECK_STR(json_object_get_string(json_object_object_get(c, "id")), "erin@example.com");
	CHECK_STR(json_object_get_string(json_object_object_get(c, "name")), "Erin");
	CHECK_INT(ab_read_rules(ab, rules, sizeof(rules) - 1), 0);
	json_object_object_get_ex(ab, "policies", &arr);
	CHECK_INT(json_object_array_length(arr), 1);
	CHECK_STR(json_object_get_string(
			  json_object_object_get(json_object_array_get_idx(arr, 0), "uri")),
		  "bob@example.com");
	CHECK_INT(ab_read_lists(ab, "<x/>", 4), EBADMSG);
	CHECK_INT(ab_read_lists(ab, "<!DOCTYPE x><x/>", 16), EBADMSG);
	CHECK_INT(ab_read_rules(ab, "", 0), EBADMSG);
	json_object_put(ab);
}

struct seen {
	int n;
	int kinds[8];
};

static int note(enum sylkrtc_ab_type t, enum sylkrtc_ab_action a, json_object *item, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->kinds[s->n] = (int)t * 10 + (int)a;
	s->n++;
	return item ? 0 : 1;
}

static void test_diff(void)
{
	json_object *before = sample(), *after = sample();
	struct seen s = {0};
	enum ab_reason why;

	CHECK_INT(ab_diff(before, after, note, &s), 0);
	CHECK_INT(s.n, 0);
	apply(after, SYLKRTC_AB_CONTACT, SYLKRTC_AB_DELETE, "{\"id\":\"c2\"}", &why);
	apply(after, SYLKRTC_AB_CONTACT, SYLKRTC_AB_ADD,
	      "{\"id\":\"c4\",\"uris\":[{\"uri\":\"d@e.f\"}]}", &why);
	apply(after, SYLKRTC_AB_POLICY, SYLKRTC_AB_UPDATE,
	      "{\"id\":\"p1\",\"uri\":\"dave@example.com\"}", &why);
	CHECK_INT(ab_diff(before, after, note, &s), 0);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.kinds[0], SYLKRTC_AB_CONTACT * 10 + SYLKRTC_AB_ADD);
	CHECK_INT(s.kinds[1], SYLKRTC_AB_CONTACT * 10 + SYLKRTC_AB_DELETE);
	CHECK_INT(s.kinds[2], SYLKRTC_AB_POLICY * 10 + SYLKRTC_AB_UPDATE);
	json_object_put(before);
	json_object_put(after);
}

static int collect(const char *aor, void *arg)
{
	strcat(arg, aor);
	strcat(arg, ";");
	return 0;
}

static void test_watch_list(void)
{
	json_object *ab = sample();
	char out[256] = "";

	CHECK_INT(ab_watch_list(ab, 10, collect, out), 0);
	CHECK_STR(out, "bob@example.com;");
	out[0] = '\0';
	CHECK_INT(ab_watch_list(ab, 0, collect, out), 0);
	CHECK_STR(out, "");
	CHECK(ab_uri_valid("tel:+31-20"));
	CHECK(!ab_uri_valid("tel:"));
	CHECK(!ab_uri_valid("sip:a@b>"));
	json_object_put(ab);
}

int main(void)
{
	RUN(test_refusals);
	RUN(test_delete_leaves_groups);
	RUN(test_round_trip);
	RUN(test_foreign_documents);
	RUN(test_diff);
	RUN(test_watch_list);
	return check_summary();
}
