package daemon

import (
	"testing"

	"github.com/axmail/axmail/internal/mailtest"
)

func TestMain(m *testing.M) { mailtest.Main(m) }
