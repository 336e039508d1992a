package s3

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/moviegenie/genie/internal/pipeline/remote"
	"github.com/moviegenie/genie/internal/pipeline/remote/s3/s3test"
)

func TestS3RemoteAgainstVersitygw(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	r, err := New("s3://genie-bucket/some/prefix", Options{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "obj")
	os.WriteFile(src, []byte("payload"), 0o644)
	key := "files/md5/32/1c3cf486ed509164edec1e1981fec8"
	if ok, err := r.Exists(ctx, key); err != nil || ok {
		t.Fatalf("exists before upload: %v %v", ok, err)
	}
	if err := r.Upload(ctx, key, src); err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Exists(ctx, key); err != nil || !ok {
		t.Fatalf("exists after upload: %v %v", ok, err)
	}
	dst := filepath.Join(dir, "back")
	if err := r.Download(ctx, key, dst); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "payload" {
		t.Errorf("downloaded %q", b)
	}
	keys, err := r.List(ctx, "files")
	if err != nil || len(keys) != 1 || keys[0] != key {
		t.Errorf("list %v %v", keys, err)
	}
	if err := r.Download(ctx, "files/md5/00/nothing", dst); !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("missing key err = %v", err)
	}
}
