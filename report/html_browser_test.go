package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/choreo-dev/choreo/parser"
	"github.com/choreo-dev/choreo/report"
)

var screenshot = flag.String("screenshot", "", "also write the browser test's screenshot to this file")

// provisioning is a 20,000-run simulation of testdata/provisioning.mmd
// with its profile, read from the committed JSON, with its model parsed
// from the diagram source as cmd/choreo does.
func provisioning(t *testing.T) *report.Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "provisioning-20k.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r report.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Model, err = parser.Parse(r.Diagram, []byte(r.DiagramSource)); err != nil {
		t.Fatal(err)
	}
	return &r
}

// The page of a real result renders in a real browser: headless Chromium
// takes a screenshot that is not blank.
func TestHTMLBrowser(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("no chromium on PATH (.ci/run installs it)")
	}
	var page bytes.Buffer
	if err := report.WriteHTML(&page, provisioning(t)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	html, out := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.png")
	if err := os.WriteFile(html, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--screenshot="+out, "--window-size=1280,2400",
		"file://"+html)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if *screenshot != "" {
		if b, err := os.ReadFile(out); err == nil {
			os.WriteFile(*screenshot, b, 0o644)
		}
	}
	bounds := img.Bounds()
	colors := map[[3]uint32]bool{}
	inked := 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			colors[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
			if r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
				inked++
			}
		}
	}
	share := float64(inked) / float64(bounds.Dx()*bounds.Dy())
	t.Logf("screenshot %dx%d: %d colours, %.1f%% inked", bounds.Dx(), bounds.Dy(), len(colors), 100*share)
	if bounds.Dx() != 1280 || bounds.Dy() != 2400 {
		t.Errorf("screenshot is %dx%d, want 1280x2400", bounds.Dx(), bounds.Dy())
	}
	if len(colors) < 50 || share < 0.03 {
		t.Errorf("the screenshot looks blank: %d colours, %.2f%% of pixels not white", len(colors), 100*share)
	}
}
