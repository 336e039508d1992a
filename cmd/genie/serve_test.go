package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckReady(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr string
	}{
		{name: "ready", status: http.StatusOK, body: "ok"},
		{name: "not ready", status: http.StatusServiceUnavailable, body: "models loading", wantErr: "smoke: /readyz answered 503 Service Unavailable: models loading"},
		{name: "huge answer quoted in part", status: http.StatusInternalServerError, body: strings.Repeat("x", 1<<20), wantErr: "answered 500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/readyz" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			err := checkReady(context.Background(), ts.URL)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if len(err.Error()) > maxSmokeBody+100 {
				t.Errorf("error of %d bytes: the answer is not bounded", len(err.Error()))
			}
		})
	}
}
