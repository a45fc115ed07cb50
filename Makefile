# axmail: make run starts the demo, make test runs every check CI runs.
GO          ?= go
BIN         := bin
TOOLS       := axcompact
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck
STATICCHECK_VERSION := v0.8.2
DATA_DIR    ?= ./axdata

.PHONY: all build run demo test completions completions-check lint fmt-check vet staticcheck unit fuzz-smoke bench bench-store bench-import bench-smtp bench-imap clean

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

# axd on its embedded defaults: data in ./axdata, loopback ports.
run: build
	$(BIN)/axd

# A store demo: fill ./axdata, delete half, compact and check it offline.
demo: build
	$(GO) run ./scripts/bench/storefill --data-dir $(DATA_DIR) --messages 2000 --size 8K --delete-every 2
	$(BIN)/axcompact run --data-dir $(DATA_DIR) --json
	$(BIN)/axcompact check --data-dir $(DATA_DIR) --json

test: lint completions-check unit

COMMANDS := axd axctl axcompact

# Shell completions generated from the cobra commands; CI checks they are
# current.
completions: build
	@for c in $(COMMANDS); do \
	  mkdir -p completions/bash completions/zsh completions/fish; \
	  $(BIN)/$$c completion bash > completions/bash/$$c; \
	  $(BIN)/$$c completion zsh > completions/zsh/_$$c; \
	  $(BIN)/$$c completion fish > completions/fish/$$c.fish; \
	done

completions-check: build
	@tmp=$$(mktemp -d); \
	for c in $(COMMANDS); do \
	  $(BIN)/$$c completion bash > $$tmp/$$c.bash; \
	  $(BIN)/$$c completion zsh > $$tmp/_$$c; \
	  $(BIN)/$$c completion fish > $$tmp/$$c.fish; \
	  cmp -s $$tmp/$$c.bash completions/bash/$$c && cmp -s $$tmp/_$$c completions/zsh/_$$c && \
	  cmp -s $$tmp/$$c.fish completions/fish/$$c.fish || { echo "completions/ is stale for $$c: run make completions"; rm -rf $$tmp; exit 1; }; \
	done; rm -rf $$tmp

lint: fmt-check vet staticcheck

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

unit:
	$(GO) test -count=1 -timeout 20m ./...
	cd third_party/go-imap && $(GO) test -count=1 ./imapserver/... ./imapclient/... ./internal/...

# Each fuzz target for a short while; the seeds already run in unit.
fuzz-smoke:
	$(GO) test -run=NONE -fuzz=FuzzReadRecord -fuzztime=100000x ./internal/store/
	$(GO) test -run=NONE -fuzz=FuzzDecodeIndex -fuzztime=100000x ./internal/store/
	$(GO) test -run=NONE -fuzz=FuzzSummarize -fuzztime=100000x ./internal/message/
	$(GO) test -run=NONE -fuzz=FuzzUnmarshalSummary -fuzztime=100000x ./internal/message/
	$(GO) test -run=NONE -fuzz=FuzzVerify -fuzztime=200000x ./internal/auth/
	$(GO) test -run=NONE -fuzz=FuzzParseScheme -fuzztime=200000x ./internal/auth/
	$(GO) test -run=NONE -fuzz=FuzzDecode -fuzztime=100000x ./internal/directory/
	$(GO) test -run=NONE -fuzz=FuzzReader -fuzztime=100000x ./internal/accountcsv/
	$(GO) test -run=NONE -fuzz=FuzzDecode -fuzztime=100000x ./internal/queue/
	$(GO) test -run=NONE -fuzz=FuzzParseRules -fuzztime=100000x ./internal/listener/
	$(GO) test -run=NONE -fuzz=FuzzLargestAttachment -fuzztime=100000x ./internal/message/
	$(GO) test -run=NONE -fuzz=FuzzReceived -fuzztime=100000x ./internal/smtpd/
	$(GO) test -run=NONE -fuzz=FuzzParsePlain -fuzztime=100000x ./internal/smtpd/
	$(GO) test -run=NONE -fuzz=FuzzCheckRemote -fuzztime=100000x ./internal/smtpd/
	$(GO) test -run=NONE -fuzz=FuzzParseCommand -fuzztime=100000x ./internal/pop3d/
	$(GO) test -run=NONE -fuzz=FuzzLineWriter -fuzztime=100000x ./internal/pop3d/
	$(GO) test -run=NONE -fuzz=FuzzSectionPlan -fuzztime=100000x ./internal/imapd/
	$(GO) test -run=NONE -fuzz=FuzzLiteralSize -fuzztime=100000x ./internal/imapd/
	cd third_party/go-imap && $(GO) test -run=NONE -fuzz=FuzzLiteralHeader -fuzztime=100000x ./imapserver/
	cd third_party/go-imap && $(GO) test -run=NONE -fuzz=FuzzReadID -fuzztime=100000x ./imapserver/
	cd third_party/go-imap && $(GO) test -run=NONE -fuzz=FuzzCondStoreModifiers -fuzztime=100000x ./imapserver/
	$(GO) test -run=NONE -fuzz=FuzzReadResponse -fuzztime=100000x ./scripts/bench/imapbench/
	$(GO) test -run=NONE -fuzz=FuzzReadMultiline -fuzztime=100000x ./scripts/bench/imapbench/

# Every benchmark, each beside its peer; one at a time with bench-<name>.
bench: bench-store bench-import bench-smtp bench-imap

bench-store:
	scripts/bench/store.sh

bench-import:
	scripts/bench/import.sh

bench-smtp:
	scripts/bench/smtp.sh

bench-imap:
	scripts/bench/imap.sh

clean:
	rm -rf $(BIN)
