package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	s3remote "github.com/moviegenie/genie/internal/pipeline/remote/s3"
	"github.com/moviegenie/genie/internal/pipeline/remote/s3/s3test"
)

func TestPushPullS3(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	y := "stages:\n  s:\n    cmd: mkdir -p d/sub && echo 1 > d/a && echo 2 > d/sub/b && echo 3 > f\n    deps: [in]\n    outs: [d, f]\n"
	root := newTestRepo(t, map[string]string{"dvc.yaml": y, "in": "x"})
	mustRepro(t, root, ReproOptions{})
	if err := RemoteAdd(root, "", "s3", "s3://genie-pipeline/cache", true, false); err != nil {
		t.Fatal(err)
	}
	ConfigSet(root, "remote.s3.endpointurl", srv.Endpoint, false)
	// secrets go to config.local
	ConfigSet(root, "remote.s3.access_key_id", srv.AccessKey, true)
	ConfigSet(root, "remote.s3.secret_access_key", srv.SecretKey, true)
	ConfigSet(root, "remote.s3.region", "us-east-1", false)
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	rem, err := r.OpenRemote("")
	if err != nil {
		t.Fatal(err)
	}
	if err := rem.(*s3remote.Remote).EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := r.Push(ctx, rem)
	r.Close()
	if err != nil || st.Transferred != 4 { // d/a, d/sub/b, the .dir, f
		t.Fatalf("push %+v %v", st, err)
	}
	keys, _ := rem.List(ctx, "files/md5")
	if len(keys) != 4 {
		t.Errorf("remote keys %v", keys)
	}
	os.RemoveAll(filepath.Join(root, ".dvc/cache"))
	os.RemoveAll(filepath.Join(root, "d"))
	os.Remove(filepath.Join(root, "f"))
	r, _ = Open(root)
	if _, err := r.Pull(ctx, rem); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if got := readFile(t, filepath.Join(root, "d/sub/b")); got != "2\n" {
		t.Errorf("pulled d/sub/b = %q", got)
	}
	if len(status(t, root)) != 0 {
		t.Errorf("not up to date after S3 pull")
	}
}
