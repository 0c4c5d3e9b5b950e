package sql

import (
	"encoding/json"
	"testing"
	"time"
)

// local writes t as the process's local zone shows it, in RFC 3339.
func local(t time.Time) string { return t.In(time.Local).Format(time.RFC3339Nano) }

// TestTimestampJSON pins the JSON a tool returns for date and time
// columns, byte for byte, as clients receive it in structuredContent and
// in the text content. SQLite keeps no time type: the driver reads text in
// a column declared DATE, DATETIME or TIMESTAMP as a time when it has one
// of SQLite's forms, and the adapter writes that time in RFC 3339; other
// text, and numbers, come back as they are stored. Whatever the adapter
// or the driver does to read rows faster, these bytes must not change.
func TestTimestampJSON(t *testing.T) {
	for _, c := range []struct {
		name, driver, seed, sql, want string
	}{
		{
			name:   "sqlite",
			driver: "sqlite",
			seed: `CREATE TABLE t (id INTEGER PRIMARY KEY, ts TIMESTAMP, dt DATETIME, d DATE, txt TEXT);
INSERT INTO t VALUES
 (1, '2025-01-01T00:00:00Z', '2024-05-06 07:08:09', '2024-05-06', '2024-05-06 07:08:09'),
 (2, '2025-03-04 05:06:07.250+02:00', '2024-05-06T07:08:09.123456789', '2024-05-06 07:08', 'x'),
 (3, 'not a time', 1714979289, 17.5, NULL),
 (4, '2026-12-03 22:56:48.123456 +0000 UTC', '2024-02-29T23:59', NULL, '');`,
			sql: "SELECT id, ts, dt, d, txt FROM t ORDER BY id",
			want: `{"rows":[` +
				`{"id":1,"ts":"2025-01-01T00:00:00Z","dt":"2024-05-06T07:08:09Z","d":"2024-05-06T00:00:00Z","txt":"2024-05-06 07:08:09"},` +
				`{"id":2,"ts":"2025-03-04T05:06:07.25+02:00","dt":"2024-05-06T07:08:09.123456789Z","d":"2024-05-06T07:08:00Z","txt":"x"},` +
				`{"id":3,"ts":"not a time","dt":1714979289,"d":17.5,"txt":null},` +
				`{"id":4,"ts":"2026-12-03T22:56:48.123456Z","dt":"2024-02-29T23:59:00Z","d":null,"txt":""}` +
				`],"count":4,"truncated":false}`,
		},
		{
			name:   "postgres",
			driver: "postgres",
			seed: `CREATE TABLE t (id INTEGER PRIMARY KEY, tz TIMESTAMPTZ, ts TIMESTAMP, d DATE, tm TIME);
INSERT INTO t VALUES
 (1, '2025-01-01T00:00:00Z', '2024-05-06 07:08:09', '2024-05-06', '07:08:09'),
 (2, '2025-03-04 05:06:07.25+02:00', '2024-05-06T07:08:09.123456', '0001-01-01', '23:59:59.5'),
 (3, NULL, NULL, NULL, NULL);`,
			sql: "SELECT id, tz, ts, d, tm FROM t ORDER BY id",
			// A timestamptz comes back in the zone of the server process
			// (the driver's time.Local): the same instant, written with
			// that zone's offset.
			want: `{"rows":[` +
				`{"id":1,"tz":"` + local(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) + `","ts":"2024-05-06T07:08:09Z","d":"2024-05-06","tm":"07:08:09"},` +
				`{"id":2,"tz":"` + local(time.Date(2025, 3, 4, 3, 6, 7, 250_000_000, time.UTC)) + `","ts":"2024-05-06T07:08:09.123456Z","d":"0001-01-01","tm":"23:59:59.5"},` +
				`{"id":3,"tz":null,"ts":null,"d":null,"tm":null}` +
				`],"count":3,"truncated":false}`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := sqliteBackend
			if c.driver == "postgres" {
				requirePostgres(t)
				b = postgresBackend
			}
			_, tools := openConfig(t, sourceHCL(b.driver, b.dsn(t), c.seed)+`
tool "times" {
  sql = "`+c.sql+`"
}
`, serveOpts())
			res := mustCall(t, tools["times"], nil)
			got, err := json.Marshal(res.Structured)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("JSON of the rows:\n got %s\nwant %s", got, c.want)
			}
		})
	}
}
