# Third-party C compiled into libbraid without committing it:
#  - BLAKE3 from Debian's librust-blake3-dev (official C sources, CC0/Apache-2.0);
#  - tree-sitter core (vendored in the npm package `tree-sitter`, MIT) and the
#    grammars pinned in package-lock.json, from node_modules/.
# Both are built with their own flags and warnings off: they are not our code.
set(BLAKE3_DIR /usr/share/cargo/registry/blake3-1.3.1/c CACHE PATH "BLAKE3 C sources")
set(BRAID_NODE_MODULES ${CMAKE_SOURCE_DIR}/node_modules CACHE PATH "npm ci output")

if(NOT EXISTS ${BLAKE3_DIR}/blake3.c)
	message(FATAL_ERROR "BLAKE3 sources not found in ${BLAKE3_DIR}; run scripts/setup.sh "
		"(it installs librust-blake3-dev)")
endif()
if(NOT EXISTS ${BRAID_NODE_MODULES}/tree-sitter/vendor/tree-sitter/lib/src/lib.c)
	message(FATAL_ERROR "tree-sitter sources not found in ${BRAID_NODE_MODULES}; run "
		"scripts/setup.sh (it runs npm ci)")
endif()

add_library(braid_thirdparty STATIC
	${BLAKE3_DIR}/blake3.c ${BLAKE3_DIR}/blake3_dispatch.c ${BLAKE3_DIR}/blake3_portable.c
	${BLAKE3_DIR}/blake3_sse2.c ${BLAKE3_DIR}/blake3_sse41.c ${BLAKE3_DIR}/blake3_avx2.c
	${BLAKE3_DIR}/blake3_avx512.c)
set_source_files_properties(${BLAKE3_DIR}/blake3_sse2.c PROPERTIES COMPILE_OPTIONS -msse2)
set_source_files_properties(${BLAKE3_DIR}/blake3_sse41.c PROPERTIES COMPILE_OPTIONS -msse4.1)
set_source_files_properties(${BLAKE3_DIR}/blake3_avx2.c PROPERTIES COMPILE_OPTIONS -mavx2)
set_source_files_properties(${BLAKE3_DIR}/blake3_avx512.c PROPERTIES
	COMPILE_OPTIONS "-mavx512f;-mavx512vl")
target_include_directories(braid_thirdparty PUBLIC ${BLAKE3_DIR})

set(TS ${BRAID_NODE_MODULES})
set(TS_GRAMMARS c cpp python javascript go rust java json typescript/typescript typescript/tsx)
set(TS_SOURCES ${TS}/tree-sitter/vendor/tree-sitter/lib/src/lib.c)
foreach(g ${TS_GRAMMARS})
	# "pkg/sub" names a grammar inside a package (typescript ships two).
	string(REPLACE "/" ";" parts ${g})
	list(GET parts 0 pkg)
	list(LENGTH parts nparts)
	if(nparts EQUAL 2)
		list(GET parts 1 sub)
		set(dir ${TS}/tree-sitter-${pkg}/${sub}/src)
	else()
		set(dir ${TS}/tree-sitter-${g}/src)
	endif()
	list(APPEND TS_SOURCES ${dir}/parser.c)
	if(EXISTS ${dir}/scanner.c)
		list(APPEND TS_SOURCES ${dir}/scanner.c)
	endif()
	set_source_files_properties(${dir}/parser.c ${dir}/scanner.c PROPERTIES
		INCLUDE_DIRECTORIES ${dir})
endforeach()
target_sources(braid_thirdparty PRIVATE ${TS_SOURCES})
target_include_directories(braid_thirdparty PUBLIC
	${TS}/tree-sitter/vendor/tree-sitter/lib/include)
target_include_directories(braid_thirdparty PRIVATE
	${TS}/tree-sitter/vendor/tree-sitter/lib/src)
target_compile_definitions(braid_thirdparty PRIVATE _POSIX_C_SOURCE=200112L _DEFAULT_SOURCE)
target_compile_options(braid_thirdparty PRIVATE -w -O2)
set_target_properties(braid_thirdparty PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
