/*
 * platform_text: what the platforms' error texts mean for a mailbox on
 * postern (platform_text.h).  Instantly reports nodemailer's SMTP errors
 * ("Invalid login: 535 5.7.8 ...", "Greeting never received"; codes
 * EAUTH, ETIMEDOUT, EENVELOPE, ETLS, ...) and its account states
 * (status -1 "Connection Error", warmup_status -2 "Spam Folder
 * Unknown"); Smartlead answers "SMTP connection failed" / "Invalid
 * credentials" and shows "Connection Timed Out" when 465 is blocked;
 * other tools say "IMAP connection failed" or "limited connection".
 * The wording is ours; the texts matched are theirs.
 *
 * Invariants: rows are tried in order, the more specific first ("Invalid
 * login sequence" before "Invalid login"); every row has a layer, a
 * title, a meaning, a side, 1-3 causes and fixes, and sources.  The
 * embedded SMTP reply or IMAP response is not this module's business:
 * explain.c explains it with the knowledge base.
 *
 * Failure: none; text that matches no row gives NULL.
 */
#include <ctype.h>
#include <stddef.h>

#include "diag/platform_text.h"

#define PT_NODEMAILER	"nodemailer lib/smtp-connection/index.js (the " \
			"texts); Instantly API v2, Account.status_message " \
			"(their shape)"
#define PT_SMARTLEAD	"Smartlead API docs, email accounts; Smartlead " \
			"help centre, \"Connection Timed Out\""
#define PT_INSTANTLY	"Instantly API v2, Account schema: status and " \
			"warmup_status"
#define PT_CHECK_SMTP	"Run `postern check HOST:587 --user ADDRESS " \
			"--password-stdin`: it walks the same steps and " \
			"names the one that fails."
#define PT_CHECK_IMAP	"Run `postern check HOST --imap --user ADDRESS " \
			"--password-stdin`: it logs in as a platform does " \
			"and names what is missing."

static int	pt_contains(const char *, const char *);
static int	pt_matches(const struct platform_text *, const char *);

static const struct platform_text pt_rows[] = {
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "TLS mode: no SMTP greeting",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-greeting",
		.provider = "nodemailer (Instantly)",
		.title = "Greeting never received",
		.meaning =
		    "The TCP connection opened but no 220 greeting arrived "
		    "within 30 seconds (ETIMEDOUT, command CONN). The client "
		    "and postern disagree on TLS: each waits for the other to "
		    "speak first.",
		.side = KB_SIDE_SENDER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "greeting never received",
		},
		.npatterns = 1,
		.causes = {
		    "Implicit TLS (\"SSL\", secure: true) dialled on 587, "
		    "where postern greets in plain text and offers STARTTLS.",
		    "Plain text or STARTTLS dialled on 465, where postern "
		    "waits for a TLS handshake and sends nothing before it.",
		    "A proxy or firewall that lets the connection open but "
		    "holds the bytes.",
		},
		.ncauses = 3,
		.fixes = {
		    "Use 587 with STARTTLS (secure off, \"TLS\") or 465 with "
		    "implicit TLS (\"SSL\"); never the mode of the other port.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "TLS mode: handshake on a plain port",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "tls-wrong-version",
		.provider = "nodemailer (Instantly)",
		.title = "TLS handshake read a plain-text greeting",
		.meaning =
		    "The client started TLS at once and read postern's "
		    "plain-text \"220\" greeting as a TLS record (OpenSSL's "
		    "\"wrong version number\").",
		.side = KB_SIDE_SENDER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "wrong version number",
		},
		.npatterns = 1,
		.causes = {
		    "Implicit TLS (\"SSL\") dialled on 587 or 143, postern's "
		    "STARTTLS ports.",
		    "A non-standard port mapped to postern's STARTTLS listener "
		    "while the platform assumes implicit TLS.",
		},
		.ncauses = 2,
		.fixes = {
		    "Use 465 (SMTP) or 993 (IMAP) for implicit TLS; or keep "
		    "587 and set the mode to STARTTLS (\"TLS\").",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "TLS: certificate name",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "tls-altnames",
		.provider = "nodemailer (Instantly)",
		.title = "The certificate does not name the host dialled",
		.meaning =
		    "TLS started but the certificate postern sent does not "
		    "carry the host name the platform dialled (Node.js: "
		    "\"Hostname/IP does not match certificate's altnames\").",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "altnames",
		},
		.npatterns = 1,
		.causes = {
		    "The platform dials a name (mail.example.com) that is not "
		    "in certs/NAME/fullchain.pem, or dials the IP address.",
		    "The certificate for that name was never issued, so "
		    "postern falls back to its own host name's certificate.",
		},
		.ncauses = 2,
		.fixes = {
		    "Give the platform the host name the certificate carries, "
		    "or add the name to the certificate (certs/NAME/).",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "TLS: handshake or certificate",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-tls",
		.provider = "nodemailer (Instantly)",
		.title = "Error initiating TLS",
		.meaning =
		    "The TLS handshake failed (ETLS); the text after the dash "
		    "is Node.js's reason.",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "error initiating tls",
		},
		.npatterns = 1,
		.causes = {
		    "The certificate is self-signed, expired, or sent without "
		    "its intermediate (\"unable to verify the first "
		    "certificate\"): fullchain.pem must hold the chain.",
		    "The TLS mode does not fit the port (see \"Greeting never "
		    "received\").",
		    "The client offers only TLS 1.0/1.1; postern needs 1.2 or "
		    "newer.",
		},
		.ncauses = 3,
		.fixes = {
		    "Install a trusted certificate with its chain in "
		    "certs/NAME/fullchain.pem.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP STARTTLS",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-starttls",
		.provider = "nodemailer (Instantly)",
		.title = "Error upgrading connection with STARTTLS",
		.meaning =
		    "STARTTLS was sent and refused, or the handshake after its "
		    "220 failed (ETLS).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "error upgrading connection",
		},
		.npatterns = 1,
		.causes = {
		    "STARTTLS sent on 465, where the session is already TLS.",
		    "TLS is not configured for the name dialled (no "
		    "certificate).",
		},
		.ncauses = 2,
		.fixes = {
		    "Use 587 with STARTTLS or 465 with implicit TLS.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP AUTH",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-login-sequence",
		.provider = "nodemailer (Instantly)",
		.title = "Invalid login sequence",
		.meaning =
		    "AUTH LOGIN did not get the \"334\" prompt it waits for "
		    "(EAUTH).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "invalid login sequence",
		},
		.npatterns = 1,
		.causes = {
		    "AUTH before TLS: postern offers AUTH only after STARTTLS "
		    "and answers 530.",
		    "Something between rewrites the session (an SMTP proxy).",
		},
		.ncauses = 2,
		.fixes = {
		    "Use STARTTLS on 587 or implicit TLS on 465.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP AUTH",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-invalid-login",
		.provider = "nodemailer (Instantly)",
		.title = "Invalid login: AUTH refused",
		.meaning =
		    "The server refused the username and password (EAUTH); the "
		    "SMTP reply after \"Invalid login:\" says why.",
		.side = KB_SIDE_SENDER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "invalid login",
		},
		.npatterns = 1,
		.causes = {
		    "The SMTP password differs from the one postern holds (a "
		    "rotated or mistyped password; CSV columns swapped).",
		    "The username is not the full email address.",
		    "The account is soft-locked after auth_fail_limit "
		    "failures, or disabled.",
		},
		.ncauses = 3,
		.fixes = {
		    "Set the SMTP username to the full address and paste the "
		    "password again; `postern mailbox passwd ADDRESS` sets a "
		    "new one and `postern mailbox unlock ADDRESS` lifts a "
		    "lock.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP envelope: MAIL FROM",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-mail-failed",
		.provider = "nodemailer (Instantly)",
		.title = "Mail command failed: MAIL FROM refused",
		.meaning =
		    "MAIL FROM was refused (EENVELOPE); the reply after \"Mail "
		    "command failed:\" says why.",
		.side = KB_SIDE_SENDER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "mail command failed",
		},
		.npatterns = 1,
		.causes = {
		    "530: MAIL before AUTH, or before STARTTLS on 587 (postern "
		    "offers AUTH only under TLS).",
		    "550/553: the sender address is not the authenticated "
		    "mailbox or one of its aliases.",
		    "A size declared above max_message_size (552).",
		},
		.ncauses = 3,
		.fixes = {
		    "Send from the mailbox's own address, after STARTTLS and "
		    "AUTH.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP envelope: RCPT TO",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-all-rcpts",
		.provider = "nodemailer (Instantly)",
		.title = "All recipients were rejected",
		.meaning =
		    "Every RCPT TO was refused, so nothing was sent "
		    "(EENVELOPE).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "all recipients were rejected",
		},
		.npatterns = 1,
		.causes = {
		    "The mailbox reached its daily limit (451 4.7.1 Daily "
		    "sending limit).",
		    "The recipients are on the suppression list.",
		    "The recipient addresses are malformed.",
		},
		.ncauses = 3,
		.fixes = {
		    "Look at the reply of each RCPT: `postern mailbox show "
		    "ADDRESS` shows the limit, `postern suppress list` the "
		    "list.",
		},
		.nfixes = 1,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP envelope: RCPT TO",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-rcpt-failed",
		.provider = "nodemailer (Instantly)",
		.title = "Recipient command failed",
		.meaning =
		    "One RCPT TO was refused (EENVELOPE); the reply after the "
		    "colon says why.",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "recipient command failed",
		},
		.npatterns = 1,
		.causes = {
		    "The daily limit of the mailbox, the suppression list, or "
		    "a malformed address.",
		},
		.ncauses = 1,
		.fixes = {
		    "Explain the embedded reply; `postern mailbox show "
		    "ADDRESS` and `postern suppress list` show the limit and "
		    "the list.",
		},
		.nfixes = 1,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP DATA",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-data-failed",
		.provider = "nodemailer (Instantly)",
		.title = "Data command failed",
		.meaning =
		    "The DATA command was refused before the message was sent "
		    "(EENVELOPE).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "data command failed",
		},
		.npatterns = 1,
		.causes = {
		    "A limit reached during the transaction (the daily limit), "
		    "or the server going down (421).",
		},
		.ncauses = 1,
		.fixes = {
		    "Explain the embedded reply; retry after the limit resets.",
		},
		.nfixes = 1,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP end of data",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-message-failed",
		.provider = "nodemailer (Instantly)",
		.title = "Message failed",
		.meaning =
		    "The message was sent and refused at its end (EMESSAGE).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "message failed:",
		},
		.npatterns = 1,
		.causes = {
		    "The message is larger than max_message_size (552).",
		    "The spool could not store it (451 4.3.0, disk full).",
		},
		.ncauses = 2,
		.fixes = {
		    "Explain the embedded reply; `postern queue list` and the "
		    "log say more.",
		},
		.nfixes = 1,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP greeting",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-invalid-greeting",
		.provider = "nodemailer (Instantly)",
		.title = "Invalid greeting",
		.meaning =
		    "The server answered the connection with something other "
		    "than 220 (EPROTOCOL).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "invalid greeting",
		},
		.npatterns = 1,
		.causes = {
		    "421 or 554 at connect: too many connections, or the "
		    "platform's address is refused.",
		    "The port is not an SMTP port (IMAP's 143 greets with \"* "
		    "OK\").",
		},
		.ncauses = 2,
		.fixes = {
		    "Check the port (587 or 465) and postern's connection "
		    "limits.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "SMTP session",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-terminates",
		.provider = "nodemailer (Instantly)",
		.title = "Server terminates connection",
		.meaning =
		    "The server sent 421 and closed the session (ECONNECTION).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "server terminates connection",
		},
		.npatterns = 1,
		.causes = {
		    "postern is shutting down or too busy.",
		    "A session time-out.",
		},
		.ncauses = 2,
		.fixes = {
		    "Retry; a platform retries by itself.",
		},
		.nfixes = 1,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "TCP or TLS: closed mid-session",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-closed",
		.provider = "nodemailer (Instantly)",
		.title = "Connection closed unexpectedly",
		.meaning =
		    "The connection closed before the server's reply "
		    "(ECONNECTION).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "connection closed",
		},
		.npatterns = 1,
		.causes = {
		    "TLS mode against the port: postern drops a connection "
		    "whose first bytes are not what the port expects.",
		    "postern restarted, or the session hit a time-out or a "
		    "line limit.",
		},
		.ncauses = 2,
		.fixes = {
		    "Check the TLS mode for the port (587 STARTTLS, 465 SSL).",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "TCP or TLS: closed mid-session",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-socket-close",
		.provider = "nodemailer (Instantly)",
		.title = "Unexpected socket close",
		.meaning =
		    "The socket closed while the client waited for a reply.",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "unexpected socket close",
		},
		.npatterns = 1,
		.causes = {
		    "TLS mode against the port, or postern restarted.",
		},
		.ncauses = 1,
		.fixes = {
		    "Check the TLS mode for the port.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "Smartlead",
	    .layer = "TCP: port blocked",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "smartlead-timed-out",
		.provider = "Smartlead",
		.title = "Connection Timed Out",
		.meaning =
		    "The TCP connection never completed. Smartlead dials 465 "
		    "by default, and its help centre names a blocked 465 as "
		    "the cause.",
		.side = KB_SIDE_NETWORK,
		.sources = PT_SMARTLEAD,
		.patterns = {
		    "connection timed out",
		},
		.npatterns = 1,
		.causes = {
		    "465 is blocked between Smartlead and postern (a firewall, "
		    "the host's security group), or the submissions listener "
		    "is off.",
		    "The host name resolves to the wrong address.",
		},
		.ncauses = 2,
		.fixes = {
		    "Switch the SMTP port to 587 (STARTTLS), or open 465 in "
		    "the firewall.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "nodemailer (Instantly)",
	    .layer = "TCP: connect",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "nodemailer-timeout",
		.provider = "nodemailer (Instantly)",
		.title = "Connection timeout",
		.meaning =
		    "The TCP connection never completed within two minutes "
		    "(ETIMEDOUT, command CONN).",
		.side = KB_SIDE_NETWORK,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "connection timeout",
		},
		.npatterns = 1,
		.causes = {
		    "A firewall drops the port (587 or 465) on the way to "
		    "postern.",
		    "The host name resolves to an address where postern is "
		    "not.",
		},
		.ncauses = 2,
		.fixes = {
		    "Open the port; check that the name resolves to postern's "
		    "address.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "Node.js (nodemailer)",
	    .layer = "TCP: connect",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "node-econnrefused",
		.provider = "Node.js (nodemailer)",
		.title = "Connection refused",
		.meaning =
		    "Nothing listens on that port at that address "
		    "(ECONNREFUSED).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "econnrefused",
		},
		.npatterns = 1,
		.causes = {
		    "postern is not running, or its listener for that port is "
		    "off.",
		    "A wrong port (25 instead of 587).",
		},
		.ncauses = 2,
		.fixes = {
		    "Start postern (`postern serve`) and use 587 or 465.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "Node.js (nodemailer)",
	    .layer = "TCP: reset",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "node-econnreset",
		.provider = "Node.js (nodemailer)",
		.title = "Connection reset",
		.meaning =
		    "The peer reset the connection (ECONNRESET).",
		.side = KB_SIDE_SERVER,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "econnreset",
		},
		.npatterns = 1,
		.causes = {
		    "TLS mode against the port.",
		    "postern restarted mid-session.",
		},
		.ncauses = 2,
		.fixes = {
		    "Check the TLS mode for the port.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "Node.js (nodemailer)",
	    .layer = "DNS",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "node-enotfound",
		.provider = "Node.js (nodemailer)",
		.title = "Host name not found",
		.meaning =
		    "The SMTP or IMAP host name does not resolve (ENOTFOUND).",
		.side = KB_SIDE_NETWORK,
		.sources = PT_NODEMAILER,
		.patterns = {
		    "enotfound",
		},
		.npatterns = 1,
		.causes = {
		    "A typo in the host name, or no A/AAAA record for it yet.",
		},
		.ncauses = 1,
		.fixes = {
		    "Add the record (`postern dns DOMAIN` lists them) or fix "
		    "the name.",
		},
		.nfixes = 1,
	    },
	},
	{
	    .client = "Smartlead",
	    .layer = "SMTP AUTH",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "smartlead-credentials",
		.provider = "Smartlead",
		.title = "SMTP connection failed: Invalid credentials",
		.meaning =
		    "Smartlead's test login over SMTP was refused with a 535.",
		.side = KB_SIDE_SENDER,
		.sources = PT_SMARTLEAD,
		.patterns = {
		    "smtp connection failed",
		    "invalid credentials",
		},
		.npatterns = 2,
		.causes = {
		    "The password differs from the one postern holds.",
		    "The username is not the full email address (Smartlead's "
		    "user_name column).",
		    "The account is soft-locked after auth_fail_limit "
		    "failures.",
		},
		.ncauses = 3,
		.fixes = {
		    "Re-enter the full address and the password; `postern "
		    "mailbox show ADDRESS` tells whether it is locked.",
		    PT_CHECK_SMTP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "Smartlead",
	    .layer = "SMTP: connect, TLS or AUTH",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "smartlead-smtp-failed",
		.provider = "Smartlead",
		.title = "SMTP connection failed",
		.meaning =
		    "Smartlead's SMTP test failed at some step; its text does "
		    "not say which.",
		.side = KB_SIDE_SENDER,
		.sources = PT_SMARTLEAD,
		.patterns = {
		    "smtp connection failed",
		},
		.npatterns = 1,
		.causes = {
		    "465 blocked, or the TLS mode against the port (465 SSL, "
		    "587 STARTTLS).",
		    "Wrong credentials.",
		},
		.ncauses = 2,
		.fixes = {
		    PT_CHECK_SMTP,
		},
		.nfixes = 1,
	    },
	},
	{
	    .client = "Instantly",
	    .layer = "IMAP folders (warm-up)",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "instantly-spam-folder",
		.provider = "Instantly",
		.title = "Spam Folder Unknown",
		.meaning =
		    "Instantly's warmup_status -2: warm-up found no spam "
		    "folder over IMAP, neither by the \\Junk flag nor by name.",
		.side = KB_SIDE_SERVER,
		.sources = PT_INSTANTLY,
		.patterns = {
		    "spam folder unknown",
		},
		.npatterns = 1,
		.causes = {
		    "The mailbox has no Junk folder with the \\Junk "
		    "special-use flag (postern's Dovecot creates it at the "
		    "first login; a system Dovecot may not).",
		    "The IMAP host is not postern, or the folder was deleted.",
		},
		.ncauses = 2,
		.fixes = {
		    "Recreate Junk with the \\Junk flag (IMAP CREATE Junk (USE "
		    "(\\Junk))), then reconnect the account in Instantly.",
		    PT_CHECK_IMAP,
		},
		.nfixes = 2,
	    },
	},
	{
	    .client = "Instantly",
	    .layer = "SMTP or IMAP",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "instantly-connection-error",
		.provider = "Instantly",
		.title = "Connection Error",
		.meaning =
		    "Instantly's account status -1: its SMTP or IMAP test "
		    "failed; status_message holds nodemailer's text and the "
		    "server's reply.",
		.side = KB_SIDE_SENDER,
		.sources = PT_INSTANTLY,
		.patterns = {
		    "connection error",
		},
		.npatterns = 1,
		.causes = {
		    "One of the nodemailer failures: paste "
		    "status_message.e_message here to learn the step.",
		},
		.ncauses = 1,
		.fixes = {
		    "Explain status_message's text.",
		    PT_CHECK_SMTP,
		    PT_CHECK_IMAP,
		},
		.nfixes = 3,
	    },
	},
	{
	    .client = "IMAP tools",
	    .layer = "IMAP: replies go unseen",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "limited-connection",
		.provider = "IMAP tools",
		.title = "Limited connection",
		.meaning =
		    "SMTP works but IMAP does not: the platform can send, but "
		    "cannot see replies or run warm-up.",
		.side = KB_SIDE_SENDER,
		.sources = "docs/IMAP.md (What platforms need)",
		.patterns = {
		    "limited connection",
		},
		.npatterns = 1,
		.causes = {
		    "IMAP host, port (993 implicit TLS) or password differ "
		    "from SMTP's.",
		    "Dovecot is not running, or the IMAP listener is off.",
		},
		.ncauses = 2,
		.fixes = {
		    PT_CHECK_IMAP,
		},
		.nfixes = 1,
	    },
	},
	{
	    .client = "IMAP tools",
	    .layer = "IMAP: connect, TLS or LOGIN",
	    .entry = {
		.kind = KB_PROVIDER,
		.key = "imap-connection-failed",
		.provider = "IMAP tools",
		.title = "IMAP connection failed",
		.meaning =
		    "The IMAP connection or login failed; the response after "
		    "the colon, if any, says which.",
		.side = KB_SIDE_SENDER,
		.sources = "docs/IMAP.md; Smartlead docs, IMAP connection errors",
		.patterns = {
		    "imap connection failed",
		},
		.npatterns = 1,
		.causes = {
		    "Port 993 dialled without implicit TLS, or 143 without "
		    "STARTTLS.",
		    "The IMAP password differs (a separate column in the CSV), "
		    "or the username is not the full address.",
		    "Dovecot is not running.",
		},
		.ncauses = 3,
		.fixes = {
		    PT_CHECK_IMAP,
		},
		.nfixes = 1,
	    },
	},
};

#define PT_NROWS	(sizeof(pt_rows) / sizeof(pt_rows[0]))

/* Is pat in s, case-insensitively, runs of white space in s as one? */
static int
pt_contains(const char *s, const char *pat)
{
	const char	*a, *b;

	for (; *s != '\0'; s++) {
		for (a = s, b = pat; *b != '\0' && *a != '\0'; b++) {
			if (*b == ' ' && isspace((unsigned char)*a)) {
				while (isspace((unsigned char)*a))
					a++;
				continue;
			}
			if (tolower((unsigned char)*a) !=
			    tolower((unsigned char)*b))
				break;
			a++;
		}
		if (*b == '\0')
			return 1;
	}
	return 0;
}

static int
pt_matches(const struct platform_text *p, const char *text)
{
	size_t	i;

	for (i = 0; i < p->entry.npatterns; i++)
		if (!pt_contains(text, p->entry.patterns[i]))
			return 0;
	return 1;
}

const struct platform_text *
platform_text_find(const char *text)
{
	size_t	i;

	for (i = 0; i < PT_NROWS; i++)
		if (pt_matches(&pt_rows[i], text))
			return &pt_rows[i];
	return NULL;
}

size_t
platform_text_count(void)
{
	return PT_NROWS;
}

const struct platform_text *
platform_text_at(size_t i)
{
	return i < PT_NROWS ? &pt_rows[i] : NULL;
}
