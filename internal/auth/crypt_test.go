package auth

import (
	"errors"
	"strings"
	"testing"
)

// shaCryptSpecVectors are the test vectors of Ulrich Drepper's "Unix crypt
// using SHA-256 and SHA-512" (akkadia.org/drepper/SHA-crypt.txt), given as
// the stored output: the 17-character salts appear cut to 16, and
// rounds=10 as rounds=1000, as crypt(3) printed them.
var shaCryptSpecVectors = []vector{
	{"spec 256 default rounds", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "Hello world!", SchemeSHA256Crypt},
	{"spec 256 rounds=10000 long salt", "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA", "Hello world!", SchemeSHA256Crypt},
	{"spec 256 rounds=5000 explicit", "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5", "This is just a test", SchemeSHA256Crypt},
	{"spec 256 rounds=1400 long password", "$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1", "a very much longer text to encrypt.  This one even stretches over morethan one line.", SchemeSHA256Crypt},
	{"spec 256 rounds=77777 short salt", "$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/", "we have a short salt string but not a short password", SchemeSHA256Crypt},
	{"spec 256 rounds=123456 16-char salt", "$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD", "a short string", SchemeSHA256Crypt},
	{"spec 256 rounds=1000 from 10", "$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC", "the minimum number is still observed", SchemeSHA256Crypt},
	{"spec 512 default rounds", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", "Hello world!", SchemeSHA512Crypt},
	{"spec 512 rounds=10000 long salt", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.", "Hello world!", SchemeSHA512Crypt},
	{"spec 512 rounds=5000 explicit", "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0", "This is just a test", SchemeSHA512Crypt},
	{"spec 512 rounds=1400 long password", "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1", "a very much longer text to encrypt.  This one even stretches over morethan one line.", SchemeSHA512Crypt},
	{"spec 512 rounds=77777 short salt", "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0", "we have a short salt string but not a short password", SchemeSHA512Crypt},
	{"spec 512 rounds=123456 16-char salt", "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1", "a short string", SchemeSHA512Crypt},
	{"spec 512 rounds=1000 from 10", "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.", "the minimum number is still observed", SchemeSHA512Crypt},
	// The spec's rounds=10 setting is clamped to 1000 when the hash is
	// computed, so a hash that still says rounds=10 verifies the same.
	{"spec 256 rounds=10 as written", "$5$rounds=10$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC", "the minimum number is still observed", SchemeSHA256Crypt},
	{"spec 512 rounds=10 as written", "$6$rounds=10$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.", "the minimum number is still observed", SchemeSHA512Crypt},
}

// cryptToolVectors were made by real tools: `doveadm pw -s SCHEME [-r N]`
// (Dovecot 2.3), `mkpasswd -m METHOD [-R N]` (whois package), `openssl
// passwd -6|-5|-1` (OpenSSL 3) and Python 3.11's crypt module (libxcrypt).
var cryptToolVectors = []vector{
	{"doveadm sha512-crypt", "{SHA512-CRYPT}$6$Vf96IiH55YE4tVQ6$WuGSXGK71TjoJcT97CAfwK0ZmVgZlMzQKoPK4QrEfy1TwYh9F12WyVRCNFrEcq8tXRqHnvBCdpBtwD7g8CTGN/", "secret", SchemeSHA512Crypt},
	{"doveadm sha512-crypt utf-8", "{SHA512-CRYPT}$6$.oJOhHsYO.kB0aeD$FAxSpGnPgYDy3Ey5/i4EfMe/VjhlYeGTr1TTqTz9O.RqpnZfDe63eR0tb/ljlAn1cpeRaM2yjhEhoT5lKKBsm0", "pässwörd ✓ 2024", SchemeSHA512Crypt},
	{"doveadm sha512-crypt rounds=10000", "{SHA512-CRYPT}$6$rounds=10000$b/eaLRgpHR8MGedn$cf8tB4dXaoOTWuByqTgRifyktp14O8rduvQfFictifShd/LnwaPUKoSO5UF3dAgDx.37MS9zP5wuzvqorCIYg.", "secret", SchemeSHA512Crypt},
	{"doveadm sha256-crypt", "{SHA256-CRYPT}$5$wedi2iF17BE7uFkI$KNSXb.IQ3ohs1UY6bd2v/wUHWhXOv7Psbczd722gPA8", "secret", SchemeSHA256Crypt},
	{"doveadm sha256-crypt utf-8", "{SHA256-CRYPT}$5$PP9EVBa/D71gLTQe$AiWUrHUcDOdMPiesl/ALb/IrDSJSy8Q6oeTwdROLQT5", "pässwörd ✓ 2024", SchemeSHA256Crypt},
	{"doveadm sha256-crypt rounds=1000", "{SHA256-CRYPT}$5$rounds=1000$96jmVKQas4bRigWL$GcUfyJyRaPn16WlnF5DEpAyWDrW65Ll4R9v99f/tKg.", "secret", SchemeSHA256Crypt},
	{"mkpasswd sha-512 rounds=10000", "$6$rounds=10000$sVC7j/8nInXfSm5M$717wHsyN5vCIK2lU/eZePDbkJdQ8AjiRctnSY8oc0gBeR5PhOioKlOirNeYX7mpHKo50maZIyU.eNuxRS4LSO.", "secret", SchemeSHA512Crypt},
	{"mkpasswd sha-256", "$5$aDKTsHeBHT1AgtdZ$5rQ3gE8cmzd1uQCoxog9zNn8MJ1GJd4JXc.BP.fbXKC", "secret", SchemeSHA256Crypt},
	{"openssl passwd -6", "$6$fIUcdjKz4Oh3/rdq$SMdyqBy1qkc1eHs2HCA9CWNhi2BswFQsrgHtxiexBfztZmpRZH1JPyMMPlMpR9eWBPTE01n1OSsWZRy1mqXiX/", "secret", SchemeSHA512Crypt},
	{"openssl passwd -5 16-char salt", "$5$Ab.Cd/0123456789$tbJKOonKAJhLqkU/64Lixr4lRoBvXJOVFEqmofTFSA.", "secret", SchemeSHA256Crypt},
	{"python sha512 empty salt", "$6$$2M9DchxW4txWyTYoZrH9D3VvAAQxBpEezYsLY6Cao.jwzEXpyL9xwip9hiUZX7GqTqe/E/z6iKvZqXUuqniQH.", "secret", SchemeSHA512Crypt},
	{"python sha512 rounds=1000 short salt", "$6$rounds=1000$xyz$65ELfJXFY9CVU2.3nHlH8CN/n7NYcHnBLkrfS1Qll2Xpp9nHw1V6h.BSm0oyExW62BQwEm9ThMQtn18gGXODT.", "secret", SchemeSHA512Crypt},
	{"python sha256 rounds=1000 empty salt", "$5$rounds=1000$$Obg7IOH5MYGbPhIPrPkPleaehbt86.IKR69wHoi1R94", "secret", SchemeSHA256Crypt},
	{"doveadm md5-crypt", "{MD5-CRYPT}$1$VfThvMh.$P7DUS/C7ViTCTjDiPB.Wn1", "secret", SchemeMD5Crypt},
	{"doveadm md5", "{MD5}$1$AJJLARMq$BpIgIvCJdijLd.oAarmXI1", "secret", SchemeMD5Crypt},
	{"doveadm md5 utf-8", "{MD5}$1$NHmyfb0t$gjXgiq.INbFSnykj1IR3B/", "pässwörd ✓ 2024", SchemeMD5Crypt},
	{"mkpasswd md5", "$1$.A.hAXC6$2RbSeQqt0A6PpiBB7oPR30", "secret", SchemeMD5Crypt},
	{"openssl passwd -1", "$1$aH726.JA$W10c8dUA8ypPUdnKLsgKy1", "secret", SchemeMD5Crypt},
	{"python md5 empty salt", "$1$$ysVNzQc4CTMkp5daOdZ.3/", "secret", SchemeMD5Crypt},
}

func TestSHACryptSpecVectors(t *testing.T) {
	t.Parallel()
	checkVectors(t, shaCryptSpecVectors)
}

func TestCryptToolVectors(t *testing.T) {
	t.Parallel()
	checkVectors(t, cryptToolVectors)
}

func TestParseCryptErrors(t *testing.T) {
	t.Parallel()
	const sum512 = "svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
	tests := []struct {
		name   string
		stored string
	}{
		{"no checksum", "$6$saltstring"},
		{"empty checksum", "$6$saltstring$"},
		{"short checksum", "$6$saltstring$" + sum512[1:]},
		{"long checksum", "$6$saltstring$" + sum512 + "x"},
		{"sha256 length under $6$", "$6$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"},
		{"checksum outside alphabet", "$6$saltstring$" + sum512[:85] + "+"},
		{"17-byte salt", "$6$saltstringsaltstr$" + sum512},
		{"salt with colon", "$6$salt:string$" + sum512},
		{"salt with newline", "$6$salt\nstring$" + sum512},
		{"rounds without salt", "$6$rounds=5000$" + sum512},
		{"rounds empty", "$6$rounds=$salt$" + sum512},
		{"rounds signed", "$6$rounds=+5000$salt$" + sum512},
		{"rounds hex", "$6$rounds=0x1000$salt$" + sum512},
		{"three fields no rounds", "$6$x=5000$salt$" + sum512},
		{"four fields", "$6$rounds=5000$salt$" + sum512 + "$x"},
		{"md5 no checksum", "$1$salt"},
		{"md5 9-byte salt", "$1$saltsalts$ysVNzQc4CTMkp5daOdZ.3/"},
		{"md5 short checksum", "$1$salt$ysVNzQc4CTMkp5daOdZ.3"},
		{"md5 rounds", "$1$rounds=5$ysVNzQc4CTMkp5daOdZ.3/"},
		{"md5 three fields", "$1$a$b$ysVNzQc4CTMkp5daOdZ.3/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseScheme(tt.stored); !errors.Is(err, ErrMalformedHash) {
				t.Errorf("ParseScheme(%q) = %v, want ErrMalformedHash", tt.stored, err)
			}
		})
	}
}

func TestParseRounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"5000", 5000, false},
		{"1000", 1000, false},
		{"999", 1000, false},
		{"0", 1000, false},
		{"0005000", 5000, false},
		{"999999999", 999_999_999, false},
		{"1000000000", 999_999_999, false},
		{strings.Repeat("9", 400), 999_999_999, false},
		{"", 0, true},
		{"-1", 0, true},
		{"5000 ", 0, true},
	}
	for _, tt := range tests {
		got, err := parseRounds(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseRounds(%q) = %d, %v, want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
