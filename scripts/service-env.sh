# Addresses and test credentials of the local services. Every value can be overridden from the environment.
# The MinIO credentials are throwaway values for a loopback-only test server, never for production.
: "${HW_TEMPORAL_PORT:=7233}" "${HW_TEMPORAL_UI_PORT:=8233}"
: "${HW_SOURCE_PORT:=27117}" "${HW_SOURCE_DEBUG_PORT:=8117}"
: "${HW_HEAD_PORT:=27118}" "${HW_HEAD_DEBUG_PORT:=8118}"
: "${HW_MINIO_PORT:=9000}" "${HW_MINIO_CONSOLE_PORT:=9001}"
: "${HW_MINIO_USER:=headwater}" "${HW_MINIO_PASSWORD:=headwater-test-secret}"
: "${HW_MINIO_BUCKET:=headwater-test}"
: "${HW_OPLOG_SIZE_BYTES:=8388608}"
HW_SEARCH_ATTRIBUTES="HeadwaterJobId=Keyword HeadwaterState=Keyword HeadwaterPhase=Keyword HeadwaterSource=Keyword HeadwaterHealth=Keyword"
export HW_TEMPORAL_PORT HW_TEMPORAL_UI_PORT HW_SOURCE_PORT HW_HEAD_PORT HW_MINIO_PORT HW_MINIO_USER \
  HW_MINIO_PASSWORD HW_MINIO_BUCKET HW_OPLOG_SIZE_BYTES
: "${AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:=true}"; export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
