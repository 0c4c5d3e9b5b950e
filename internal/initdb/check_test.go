package initdb

import (
	"fmt"
	"math/big"
	"testing"
)

// TestCheckBounds reads bounds from CHECK constraint text as each database
// prints it, and leaves out what it cannot read safely.
func TestCheckBounds(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		ct         checkText
		kind       Kind
		want       string // min max minLength maxLength
	}{
		{"sqlite ge", "CREATE TABLE t (qty INTEGER CHECK (qty >= 0))", checkText{}, KindInteger, "0 <nil> 0 0"},
		{"sqlite between", "CREATE TABLE t (qty INTEGER, CHECK (qty BETWEEN 1 AND 999))", checkText{}, KindInteger, "1 999 0 0"},
		{"strict on integer", "CHECK ((qty > '-5'::integer) AND (qty < 10))", checkText{}, KindInteger, "-4 9 0 0"},
		{"fraction on integer", "CHECK (qty >= 0.5 AND qty <= 9.5)", checkText{}, KindInteger, "1 9 0 0"},
		{"flipped", "CHECK ((5 >= qty))", checkText{}, KindInteger, "<nil> 5 0 0"},
		{"pg numeric casts", "CHECK (((qty >= (0)::numeric) AND (qty <= (1000)::numeric)))", checkText{}, KindNumber, "0 1000 0 0"},
		{"pg double casts", "CHECK (((qty >= ('-1.5'::numeric)::double precision) AND (qty <= ('2000'::numeric)::double precision)))", checkText{}, KindNumber, "-3/2 2000 0 0"},
		{"exponent", "CHECK (`qty` >= -1.5 and `qty` <= 2e3)", checkText{backslash: true}, KindNumber, "-3/2 2000 0 0"},
		{"strict on number left out", "CHECK (qty > 0 AND qty < 1)", checkText{}, KindNumber, "<nil> <nil> 0 0"},
		{"several constraints, tightest wins", "CHECK (qty >= 0), CHECK (qty >= 3), CHECK (qty <= 10), CHECK (qty <= 20)", checkText{}, KindInteger, "3 10 0 0"},
		{"pg length", "CHECK ((length((qty)::text) <= 12))", checkText{}, KindString, "<nil> <nil> 0 12"},
		{"char_length between", "CHECK (char_length(`qty`) between 2 and 8)", checkText{backslash: true, lengthBytes: true}, KindString, "<nil> <nil> 2 8"},
		{"bytes: a maximum, never a minimum", "CHECK (octet_length(`qty`) between 2 and 8)", checkText{backslash: true, lengthBytes: true}, KindString, "<nil> <nil> 0 8"},
		{"mysql length is bytes", "CHECK (length(qty) >= 2 AND length(qty) <= 8)", checkText{backslash: true, lengthBytes: true}, KindString, "<nil> <nil> 0 8"},
		{"sqlite length is characters", "CHECK (length(qty) >= 2 AND length(qty) <= 8)", checkText{}, KindString, "<nil> <nil> 2 8"},
		{"or", "CHECK (((qty >= 0) OR (qty IS NULL)))", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"and under or", "CHECK (qty >= 0 AND qty <= 5 OR qty = 100)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"not", "CHECK (NOT (qty < 0))", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"not between", "CHECK (qty NOT BETWEEN 1 AND 5)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"arithmetic", "CHECK (qty + 1 >= 0 AND qty * 2 <= 10)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"other column", "CHECK (other >= 0)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"column against column", "CHECK (qty >= other)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"string literal", "CHECK (qty >= '5')", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"hex", "CHECK (qty >= 0x10)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"pg not valid", "CHECK ((qty >= 1)) NOT VALID", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"mysql not enforced", "CONSTRAINT `c` CHECK ((`qty` >= 1)) /*!80016 NOT ENFORCED */", checkText{backslash: true}, KindInteger, "<nil> <nil> 0 0"},
		{"mysql enforced", "CONSTRAINT `c` CHECK ((`qty` >= 1))", checkText{backslash: true}, KindInteger, "1 <nil> 0 0"},
		{"in a comment", "CREATE TABLE t (qty INTEGER -- CHECK (qty >= 1)\n, /* CHECK (qty <= 3) */ x TEXT)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"in a string", "CREATE TABLE t (qty INTEGER DEFAULT 'CHECK (qty >= 1)')", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"quoted names, any case", `CREATE TABLE t ("QTY" INTEGER CHECK ("QTY" >= 2), CHECK ([Qty] <= 4))`, checkText{}, KindInteger, "2 4 0 0"},
		{"numeric bound on a string column", "CHECK (qty >= 0)", checkText{}, KindString, "<nil> <nil> 0 0"},
		{"length of an integer column", "CHECK (length(qty) <= 3)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"cast of the column", "CHECK ((qty)::numeric >= 0)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
		{"other function", "CHECK (abs(qty) <= 3)", checkText{}, KindInteger, "<nil> <nil> 0 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tb := Table{Columns: []Column{{Name: "qty", Kind: tt.kind}, {Name: "other", Kind: KindInteger}}}
			for _, body := range tt.ct.checkBodies(tt.text) {
				tt.ct.apply(&tb, body)
			}
			c := tb.Columns[0]
			rat := func(r *big.Rat) string {
				if r == nil {
					return "<nil>"
				}
				return r.RatString()
			}
			got := fmt.Sprintf("%s %s %d %d", rat(c.Minimum), rat(c.Maximum), c.MinLength, c.MaxLength)
			if got != tt.want {
				t.Errorf("%s: got %s, want %s", tt.text, got, tt.want)
			}
		})
	}
}

// TestCheckEnums reads col IN ('a', 'b') from CHECKs outside comments and
// strings, intersecting several.
func TestCheckEnums(t *testing.T) {
	for text, want := range map[string]string{
		"CREATE TABLE t (tier TEXT CHECK (tier IN ('free', 'pro', 'it''s')))":                         "[free pro it's]",
		"CREATE TABLE t (tier TEXT -- CHECK (tier IN ('free', 'pro'))\n)":                             "[]",
		"CREATE TABLE t (tier TEXT /* CHECK (tier IN ('free')) */)":                                   "[]",
		"CREATE TABLE t (tier TEXT CHECK (tier IN ('a', 'b', 'c')), CHECK (tier IN ('b', 'c', 'd')))": "[b c]",
		"CREATE TABLE t (tier TEXT CHECK (tier IN ('a', 'b') OR tier = 'x'))":                         "[]",
		"CREATE TABLE t (tier TEXT CHECK (tier NOT IN ('a', 'b')))":                                   "[]",
		"CREATE TABLE t (tier TEXT CHECK (tier IN ('a', 1)))":                                         "[]",
	} {
		tb := Table{Columns: []Column{{Name: "tier", Kind: KindString}}}
		for _, body := range (checkText{}).checkBodies(text) {
			checkText{}.apply(&tb, body)
		}
		if got := fmt.Sprint(tb.Columns[0].Enum); got != want {
			t.Errorf("%s: enum %s, want %s", text, got, want)
		}
	}
}
