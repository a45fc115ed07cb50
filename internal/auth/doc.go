// Package auth hashes and verifies account passwords.
//
// New passwords are hashed with argon2id (the default) or bcrypt, and written
// in Dovecot's notation so that an export can be fed back to Dovecot and a
// Dovecot export can be imported here:
//
//	{ARGON2ID}$argon2id$v=19$m=65536,t=1,p=1$<salt>$<hash>
//	{BLF-CRYPT}$2y$10$<salt><hash>
//
// Verification accepts the stored forms that mail systems export, either with
// Dovecot's {SCHEME} prefix (case-insensitive, with an optional .HEX, .B64
// or .BASE64 encoding suffix for the digest schemes) or as a bare crypt(3)
// string:
//
//	ARGON2ID, ARGON2I   $argon2id$, $argon2i$ (version 19 only)
//	BLF-CRYPT           $2y$, $2b$, $2a$
//	SHA512-CRYPT        $6$, with rounds= (default 5000)
//	SHA256-CRYPT        $5$, with rounds= (default 5000)
//	SSHA512, SSHA256    base64 (or hex) of digest(password+salt)+salt
//	PLAIN-MD5           {PLAIN-MD5} and {LDAP-MD5}: hex or base64 of MD5
//	MD5-CRYPT           {MD5}, {MD5-CRYPT} and bare $1$
//	PLAIN               {PLAIN}, {CLEARTEXT}, {CLEAR}
//
// {CRYPT} and {DES-CRYPT} hold any crypt(3) string and are classified by it;
// the traditional DES form has no implementation here and is refused with
// ErrUnsupportedHash. PLAIN, PLAIN-MD5, MD5-CRYPT and DES-CRYPT are weak:
// a Hasher refuses them with ErrWeakScheme unless Options.AllowWeak is set.
// A bare string that is neither {SCHEME}-prefixed nor a crypt string is never
// guessed to be a plaintext password: it is ErrUnknownScheme.
//
// # Cost of a hash
//
// The default argon2id parameters, t=1, m=64 MiB, p=1, lie between OWASP's
// minimum (m=46 MiB, t=1, p=1) and the second option of RFC 9106 §4 (m=64
// MiB, t=3, p=4), and take tens of milliseconds on a 2-core machine;
// Dovecot's own default is t=3 with the same memory. The default bcrypt
// cost, 10, takes about the same time. Every argon2 verification allocates
// its m KiB for its duration: a server verifying many logins at once must
// bound how many run concurrently.
//
// Stored hashes come from import files, so their cost parameters are not
// trusted: Limits bounds them (by default argon2 m <= 256 MiB, t <= 10,
// p <= 16; bcrypt cost <= 15; SHA-crypt rounds <= 1,000,000; passwords up
// to 1024 bytes) so that one verification costs at most a few seconds and
// 256 MiB. A hash above the limits is refused with ErrCostLimit rather than
// computed. SHA-crypt's work grows with rounds times the password's length
// (a 1024-byte password costs about six times an 8-byte one), which is why
// both are bounded. The defaults accept what Dovecot, libsodium's interactive and
// moderate levels, glibc, mkpasswd and passlib produce by default.
//
// # What this package does not do
//
// A Hasher stores nothing and logs nothing: the caller keeps the hash (in
// internal/directory) and decides what to log. Errors never contain a
// password or the salt and digest of a stored hash, only the scheme and its
// cost parameters, because a {PLAIN} hash is the password itself. A Hasher
// does no throttling and holds no state: it is immutable and safe for
// concurrent use.
package auth
