package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"sort"
	"testing"
)

// TestSKUsMatchSeed: the service knows exactly the products the database has.
func TestSKUsMatchSeed(t *testing.T) {
	seed, err := os.ReadFile("../seed.sql")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, m := range regexp.MustCompile(`'(TN-[A-Z]{3}-[0-9]{3})'`).FindAllStringSubmatch(string(seed), -1) {
		found[m[1]] = true
	}
	var fromSeed []string
	for s := range found {
		fromSeed = append(fromSeed, s)
	}
	sort.Strings(fromSeed)
	if !reflect.DeepEqual(fromSeed, skus) {
		t.Errorf("seed.sql has %q, the service %q", fromSeed, skus)
	}
}

func TestService(t *testing.T) {
	srv := httptest.NewServer(newHandler("tok"))
	defer srv.Close()
	get := func(path, token string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	if code, _ := get("/v1/stock/TN-LAP-101", ""); code != 401 {
		t.Errorf("without a token: %d, want 401", code)
	}
	if code, _ := get("/v1/stock/TN-LAP-101", "wrong"); code != 401 {
		t.Errorf("with a wrong token: %d, want 401", code)
	}
	code, a := get("/v1/stock/TN-LAP-101", "tok")
	_, b := get("/v1/stock/TN-LAP-101", "tok")
	if code != 200 || !reflect.DeepEqual(a, b) || a["sku"] != "TN-LAP-101" || len(a["warehouses"].([]any)) != 3 {
		t.Errorf("stock = %d %v, then %v", code, a, b)
	}
	outOfStock := 0
	for _, s := range skus {
		if _, body := get("/v1/stock/"+s, "tok"); body["available"] == 0.0 {
			outOfStock++
		}
	}
	if outOfStock == len(skus) {
		t.Error("every SKU is out of stock")
	}
	if code, body := get("/v1/stock/TN-XXX-999", "tok"); code != 404 || body["error"] == nil {
		t.Errorf("unknown sku: %d %v", code, body)
	}
	if code, body := get("/v1/warehouses/RTM", "tok"); code != 200 || body["warehouse"].(map[string]any)["city"] != "Rotterdam" {
		t.Errorf("warehouse: %d %v", code, body)
	}
	if code, _ := get("/v1/warehouses/XXX", "tok"); code != 404 {
		t.Errorf("unknown warehouse: %d", code)
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
}
