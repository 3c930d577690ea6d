# ImageNet-C/-P corruption kernels and the Pillow-exact pixel pipeline (native/image) in lkr_core, plus libjpeg
# (the JPEG corruption, the q85 re-encoding the released sets were saved with, decoding as Pillow) and libpng
# (decoding PNG in Pillow's modes). Included by the top-level CMakeLists.txt when present.
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)
file(GLOB LKR_IMAGE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
target_sources(lkr_core PRIVATE ${LKR_IMAGE_SOURCES})
target_link_libraries(lkr_core PUBLIC JPEG::JPEG PNG::PNG)
# Hot loops are cloned for AVX2 (chosen at load time); without contraction into FMA every clone computes the
# same IEEE results, so a corrupted image is the same bytes whichever clone ran. (errno is never read: sqrt may
# then vectorise.)
set_source_files_properties(${LKR_IMAGE_SOURCES} PROPERTIES COMPILE_OPTIONS "-ffp-contract=off;-fno-math-errno")
