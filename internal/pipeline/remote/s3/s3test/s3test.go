// Package s3test starts a real S3-compatible server (versitygw) for tests.
package s3test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Server is a running versitygw.
type Server struct {
	Endpoint  string // http://127.0.0.1:port
	AccessKey string
	SecretKey string
}

// Start runs versitygw (posix backend in a temp dir) for the test's
// lifetime, or skips the test when the binary is not on PATH.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		t.Skip("versitygw not on PATH; install it with `go install github.com/versity/versitygw/cmd/versitygw@latest` to run the S3 tests")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	s := &Server{Endpoint: "http://" + addr, AccessKey: "genietest", SecretKey: "genietestsecret"}
	cmd := exec.Command(bin, "--port", addr, "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	logf, _ := os.Create(filepath.Join(t.TempDir(), "versitygw.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	for i := 0; i < 500; i++ { // bounded wait for the port
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("versitygw did not start on %s", addr)
	return nil
}

// String describes the server.
func (s *Server) String() string { return fmt.Sprintf("versitygw at %s", s.Endpoint) }
