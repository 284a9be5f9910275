# Toolchain — build, test, run and benchmark from a fresh Debian 12 machine with the .NET 10 SDK.
# `make test` and `make run` need nothing else: `deps` installs what is missing and is idempotent.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

CONFIG      ?= Release
# ONNX Runtime package: cpu (Microsoft.ML.OnnxRuntime, default) or gpu (Microsoft.ML.OnnxRuntime.Gpu.Linux: --engine ort-cuda
# and ort-tensorrt on a host with CUDA 13 and, for TensorRT, TensorRT 10 + cuDNN 9; CPU inference works with it too).
ORT         ?= cpu
# make fuzz: how many mutated files per loader, from which seed (make test runs 1,000–1,500 from a fixed one), in the test
# projects that fuzz a loader: ONNX import and ONNX Runtime loading, graph files and safetensors, latency profiles, .npy,
# Fashion-MNIST and CIFAR files, pipeline configurations. (The device agent's upload attack runs its 200 in make test only.)
FUZZ_CASES  ?= 20000
FUZZ_SEED   ?= 1
FUZZ_PROJECTS := Onnx Graph Profiling Runtime Training Pipeline
BUILD_DIR   := build
NATIVE_DIR  := $(BUILD_DIR)/native
NATIVE_LIB  := $(NATIVE_DIR)/libtoolchain_native.so
CLI_DIR     := $(BUILD_DIR)/cli
TOOLCHAIN   := $(CLI_DIR)/toolchain
PYTHON      := /usr/bin/python3
DOTNET_ENV  := DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=1

# ONNX Runtime comes from NuGet with the solution's restore (Microsoft.ML.OnnxRuntime, versions in Directory.Packages.props).
# Debian packages: libtorch (tensors, autograd, conv kernels), Fashion-MNIST (the real data set), OpenBLAS (fast BLAS for Linear/matmul:
# Debian's default libblas.so.3 is the slow reference BLAS), the ONNX schema, the Python oracle for tests, and Chromium (the report test renders report.html headless).
APT_RUNTIME := libtorch-dev libopenblas0-pthread libonnx-dev dataset-fashion-mnist cmake g++ make
APT_TEST    := python3-torch python3-torchvision python3-onnx python3-numpy chromium

.PHONY: deps deps-test native build test test-zoo run bench fuzz soak clean

deps: ## install the build and runtime dependencies when missing
	@./scripts/ensure-apt.sh $(APT_RUNTIME)
	@command -v dotnet >/dev/null || { echo "error: the .NET 10 SDK (dotnet) is required and not on PATH" >&2; exit 1; }

deps-test: deps ## also install the Python reference oracle used by tests and benchmarks
	@./scripts/ensure-apt.sh $(APT_TEST)

native: deps ## build the C++ shim over libtorch
	@cmake -S src/Native -B $(NATIVE_DIR) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(NATIVE_DIR) -j$$(nproc)

build: native ## build everything; the CLI lands at build/cli/toolchain
	@$(DOTNET_ENV) dotnet build Toolchain.sln -c $(CONFIG) -p:OnnxRuntimeFlavor=$(ORT) -nologo -v quiet -clp:ErrorsOnly
	@$(DOTNET_ENV) dotnet publish src/Toolchain.Cli -c $(CONFIG) -p:OnnxRuntimeFlavor=$(ORT) -o $(CLI_DIR) -nologo -v quiet -clp:ErrorsOnly --no-build

test: deps-test build ## run every test project (reference tests call /usr/bin/python3 with PyTorch)
	@$(DOTNET_ENV) dotnet test Toolchain.sln -c $(CONFIG) --no-build -nologo 2>&1 | ./scripts/summarize-tests.sh

test-zoo: deps-test build ## the torchvision matrix over every family (make test runs a fast subset): one summary line per family
	@rm -f $(BUILD_DIR)/zoo-summary.txt
	@status=0; TOOLCHAIN_ZOO_FULL=1 TOOLCHAIN_ZOO_SUMMARY=$(CURDIR)/$(BUILD_DIR)/zoo-summary.txt OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(DOTNET_ENV) \
		dotnet test tests/Toolchain.Pruning.Tests -c $(CONFIG) --no-build -nologo --filter "FullyQualifiedName~TorchvisionZooTests" \
		> $(BUILD_DIR)/zoo-test.log 2>&1 || status=$$?; \
	grep -E "^\s+Failed |^\s+Error Message:|^\s{4,}[^ ].*(differs|got no|not supported|Assert)|Passed!|Failed!" $(BUILD_DIR)/zoo-test.log || true; \
	echo "summary (full log: $(BUILD_DIR)/zoo-test.log):"; \
	cat $(BUILD_DIR)/zoo-summary.txt 2>/dev/null || echo "no family finished"; \
	exit $$status

run: build ## the main job on its built-in default: the pipeline (toolchain run), report in runs/pipeline/
	@$(TOOLCHAIN) run

bench: deps-test build ## end-to-end comparisons against PyTorch, measured in the same run
	@$(DOTNET_ENV) dotnet run --project benchmarks/Toolchain.Benchmarks -c $(CONFIG) --no-build -- all

fuzz: build ## longer fuzz campaigns of every loader (FUZZ_CASES each, FUZZ_SEED); failing cases land in tests/*/bin/*/*/fuzz-failures
	@for project in $(FUZZ_PROJECTS); do \
		TOOLCHAIN_FUZZ_CASES=$(FUZZ_CASES) TOOLCHAIN_FUZZ_SEED=$(FUZZ_SEED) $(DOTNET_ENV) dotnet test tests/Toolchain.$$project.Tests -c $(CONFIG) --no-build -nologo \
			--filter "FullyQualifiedName~Fuzz" --logger "console;verbosity=detailed" 2>&1 | grep -E "cases, seed| case [0-9]+ |^  (Passed|Failed) |Error Message|Test Run"; \
	done

soak: build ## leak soak (not CI): 10,000 inferences per engine, 1,000 training steps, 200 prune/compact/export cycles; live tensors and RSS must stay flat
	@$(DOTNET_ENV) dotnet run --project benchmarks/Toolchain.Benchmarks -c $(CONFIG) --no-build -- soak

clean:
	rm -rf $(BUILD_DIR) src/*/bin src/*/obj tests/*/bin tests/*/obj benchmarks/*/bin benchmarks/*/obj
