//go:build !hugot

package minilm

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestStub: without the hugot tag, Load names the missing step - the model
// files first, then the build tag.
func TestStub(t *testing.T) {
	_, err := Load(context.Background(), t.TempDir(), Options{})
	if err == nil || !strings.Contains(err.Error(), "genie models pull") {
		t.Errorf("no model: %v", err)
	}
	_, err = Load(context.Background(), "testdata/tiny", Options{})
	if !errors.Is(err, ErrNotBuilt) || !strings.Contains(err.Error(), "-tags hugot") {
		t.Errorf("stub: %v", err)
	}
}
