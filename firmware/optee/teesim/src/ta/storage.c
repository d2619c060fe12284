/* Persistent objects: one file per object in the TA's storage directory
 * (<TEESIM_STORAGE_DIR or ~/.local/share/teesim>/<uuid>/<hex object id>), holding the attributes and
 * the data stream. Each change rewrites the file and renames it into place, so an object is always
 * either the old or the new version, as OP-TEE's secure storage promises. Unlike OP-TEE's, the file
 * is not encrypted (there is no hardware unique key to derive a key from): the directory is 0700. */
#define _GNU_SOURCE
#include "objects.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <tee_api_defines_extensions.h>
#include "../uuid.h"

#define FILE_MAGIC 0x31424f53u /* "SOB1" */
#define MAX_OPEN 32
/* Sized so that each path built from the one before cannot be truncated:
 * root (< 2048) + "/" + uuid, then + "/" + "-" + hex id (128), then + ".tmp". */
#define DIR_MAX 2200
#define PATH_MAX_OBJ (DIR_MAX + 160)
#define PATH_MAX_TMP (PATH_MAX_OBJ + 8)

/* The in-memory object, shared by every handle open on it. */
struct teesim_pobj {
	char path[PATH_MAX_OBJ];
	unsigned handles;
	uint32_t share_flags_all; /* AND of the open handles' share flags */
	uint32_t access_any;	  /* OR of the open handles' access flags */
	uint8_t *data;
	uint32_t size;
	bool deleted;
};

static struct teesim_pobj *open_objects[MAX_OPEN];

const char *teesim_storage_dir(void)
{
	static char dir[DIR_MAX];
	if (dir[0])
		return dir;
	uint8_t bytes[16];
	char uuid[TEESIM_UUID_STRING_LEN + 1];
	const TEE_UUID *u = &teesim_ta_props.uuid;
	teesim_uuid_to_bytes(u->timeLow, u->timeMid, u->timeHiAndVersion, u->clockSeqAndNode, bytes);
	teesim_uuid_bytes_to_string(bytes, uuid);
	const char *root = getenv("TEESIM_STORAGE_DIR");
	char fallback[2048];
	if (!root || !*root) {
		const char *data = getenv("XDG_DATA_HOME");
		const char *home = getenv("HOME");
		if (data && *data)
			snprintf(fallback, sizeof(fallback), "%s/teesim", data);
		else
			snprintf(fallback, sizeof(fallback), "%s/.local/share/teesim", home ? home : ".");
		root = fallback;
	}
	snprintf(dir, sizeof(dir), "%s/%s", root, uuid);
	return dir;
}

/* mkdir -p, 0700. */
static TEE_Result ensure_dir(const char *path)
{
	char tmp[DIR_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return TEE_ERROR_STORAGE_NOT_AVAILABLE;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return TEE_ERROR_STORAGE_NOT_AVAILABLE;
	return TEE_SUCCESS;
}

static TEE_Result object_path(uint32_t storage, const void *id, uint32_t id_len, char *out, size_t cap)
{
	if (storage != TEE_STORAGE_PRIVATE && storage != TEE_STORAGE_PRIVATE_REE &&
	    storage != TEE_STORAGE_PRIVATE_RPMB)
		return TEE_ERROR_ITEM_NOT_FOUND;
	if (id_len > TEE_OBJECT_ID_MAX_LEN || (!id && id_len))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	const char *dir = teesim_storage_dir();
	TEE_Result res = ensure_dir(dir);
	if (res != TEE_SUCCESS)
		return res;
	char hex[2 * TEE_OBJECT_ID_MAX_LEN + 1];
	sodium_bin2hex(hex, sizeof(hex), id, id_len);
	snprintf(out, cap, "%s/%s%s", dir, id_len ? "" : "-", hex);
	return TEE_SUCCESS;
}

struct file_header {
	uint32_t magic, type, size, max_size, usage, n_attrs, data_size, pad;
};

static bool write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

static TEE_Result save(const struct __TEE_ObjectHandle *o)
{
	const struct teesim_pobj *p = o->pobj;
	char tmp[PATH_MAX_TMP];
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return TEE_ERROR_STORAGE_NOT_AVAILABLE;
	struct file_header h = { FILE_MAGIC, o->info.objectType, o->info.objectSize, o->info.maxObjectSize,
				 o->info.objectUsage, o->n_attrs, p->size, 0 };
	bool ok = write_all(fd, &h, sizeof(h));
	for (unsigned i = 0; ok && i < o->n_attrs; i++)
		ok = write_all(fd, &o->attrs[i].id, 4) && write_all(fd, &o->attrs[i].len, 4) &&
		     write_all(fd, o->attrs[i].buf, o->attrs[i].len);
	ok = ok && write_all(fd, p->data, p->size);
	ok = (close(fd) == 0) && ok;
	if (!ok || rename(tmp, p->path) != 0) {
		unlink(tmp);
		return TEE_ERROR_STORAGE_NO_SPACE;
	}
	return TEE_SUCCESS;
}

static TEE_Result load(struct __TEE_ObjectHandle *o)
{
	struct teesim_pobj *p = o->pobj;
	FILE *f = fopen(p->path, "rbe");
	if (!f)
		return errno == ENOENT ? TEE_ERROR_ITEM_NOT_FOUND : TEE_ERROR_STORAGE_NOT_AVAILABLE;
	struct file_header h;
	TEE_Result res = TEE_ERROR_CORRUPT_OBJECT;
	if (fread(&h, sizeof(h), 1, f) != 1 || h.magic != FILE_MAGIC || h.n_attrs > TEESIM_MAX_ATTRS)
		goto out;
	o->info.objectType = h.type;
	o->info.objectSize = h.size;
	o->info.maxObjectSize = h.max_size;
	o->info.objectUsage = h.usage;
	o->n_attrs = h.n_attrs;
	for (unsigned i = 0; i < h.n_attrs; i++) {
		struct teesim_attr *a = &o->attrs[i];
		if (fread(&a->id, 4, 1, f) != 1 || fread(&a->len, 4, 1, f) != 1 || a->len > TEESIM_MAX_ATTR_BYTES ||
		    (a->len && fread(a->buf, a->len, 1, f) != 1))
			goto out;
	}
	p->data = malloc(h.data_size ? h.data_size : 1);
	if (!p->data) {
		res = TEE_ERROR_OUT_OF_MEMORY;
		goto out;
	}
	if (h.data_size && fread(p->data, h.data_size, 1, f) != 1)
		goto out;
	p->size = h.data_size;
	res = TEE_SUCCESS;
out:
	fclose(f);
	return res;
}

static struct teesim_pobj *find_open(const char *path)
{
	for (size_t i = 0; i < MAX_OPEN; i++)
		if (open_objects[i] && !open_objects[i]->deleted && strcmp(open_objects[i]->path, path) == 0)
			return open_objects[i];
	return NULL;
}

/* GP's sharing rule: a second handle needs every open handle to share what it accesses, and must itself
 * share what they access. */
static bool sharing_allows(const struct teesim_pobj *p, uint32_t flags)
{
	if (!p)
		return true;
	uint32_t want = flags & (TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE);
	if ((want & TEE_DATA_FLAG_ACCESS_READ) && !(p->share_flags_all & TEE_DATA_FLAG_SHARE_READ))
		return false;
	if ((want & TEE_DATA_FLAG_ACCESS_WRITE) && !(p->share_flags_all & TEE_DATA_FLAG_SHARE_WRITE))
		return false;
	if ((p->access_any & TEE_DATA_FLAG_ACCESS_READ) && !(flags & TEE_DATA_FLAG_SHARE_READ))
		return false;
	if ((p->access_any & TEE_DATA_FLAG_ACCESS_WRITE) && !(flags & TEE_DATA_FLAG_SHARE_WRITE))
		return false;
	return !(flags & TEE_DATA_FLAG_ACCESS_WRITE_META) && !(p->access_any & TEE_DATA_FLAG_ACCESS_WRITE_META);
}

static TEE_Result attach(struct __TEE_ObjectHandle *o, const char *path, uint32_t flags,
			 struct teesim_pobj *existing)
{
	struct teesim_pobj *p = existing;
	size_t slot = MAX_OPEN;
	if (!p) {
		for (slot = 0; slot < MAX_OPEN && open_objects[slot]; slot++) {
		}
		if (slot == MAX_OPEN)
			return TEE_ERROR_OUT_OF_MEMORY;
		p = calloc(1, sizeof(*p));
		if (!p)
			return TEE_ERROR_OUT_OF_MEMORY;
		snprintf(p->path, sizeof(p->path), "%s", path);
		p->share_flags_all = TEE_DATA_FLAG_SHARE_READ | TEE_DATA_FLAG_SHARE_WRITE;
		open_objects[slot] = p;
	}
	p->handles++;
	p->share_flags_all &= flags;
	p->access_any |= flags & (TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE |
				  TEE_DATA_FLAG_ACCESS_WRITE_META);
	o->pobj = p;
	o->info.handleFlags = TEE_HANDLE_FLAG_PERSISTENT | TEE_HANDLE_FLAG_INITIALIZED | (flags & 0xffff);
	return TEE_SUCCESS;
}

uint32_t teesim_pobj_size(const struct __TEE_ObjectHandle *o)
{
	return o->pobj ? o->pobj->size : 0;
}

void teesim_pobj_close(struct __TEE_ObjectHandle *o)
{
	struct teesim_pobj *p = o->pobj;
	if (!p || --p->handles)
		return;
	for (size_t i = 0; i < MAX_OPEN; i++)
		if (open_objects[i] == p)
			open_objects[i] = NULL;
	if (p->data)
		sodium_memzero(p->data, p->size);
	free(p->data);
	free(p);
	o->pobj = NULL;
}

static TEE_Result pass(TEE_Result res, const TEE_Result *allowed, size_t n)
{
	if (res == TEE_SUCCESS)
		return res;
	for (size_t i = 0; i < n; i++)
		if (res == allowed[i])
			return res;
	TEE_Panic(res);
	return res;
}

static const TEE_Result open_results[] = { TEE_ERROR_ITEM_NOT_FOUND, TEE_ERROR_ACCESS_CONFLICT,
					   TEE_ERROR_OUT_OF_MEMORY, TEE_ERROR_CORRUPT_OBJECT,
					   TEE_ERROR_STORAGE_NOT_AVAILABLE, TEE_ERROR_STORAGE_NO_SPACE };
#define PASS(res, list) pass((res), (list), sizeof(list) / sizeof((list)[0]))

TEE_Result TEE_OpenPersistentObject(uint32_t storageID, const void *objectID, uint32_t objectIDLen,
				    uint32_t flags, TEE_ObjectHandle *object)
{
	char path[PATH_MAX_OBJ];
	if (!object)
		TEE_Panic(0);
	*object = TEE_HANDLE_NULL;
	TEE_Result res = object_path(storageID, objectID, objectIDLen, path, sizeof(path));
	if (res != TEE_SUCCESS)
		return PASS(res, open_results);
	struct teesim_pobj *existing = find_open(path);
	if (!sharing_allows(existing, flags))
		return TEE_ERROR_ACCESS_CONFLICT;
	struct __TEE_ObjectHandle *o = teesim_object_new(TEE_TYPE_DATA, 0);
	if (!o)
		return TEE_ERROR_OUT_OF_MEMORY;
	if (existing) {
		/* The attributes are read again from the file; the data is the shared copy. */
		struct teesim_pobj probe = { .data = NULL };
		snprintf(probe.path, sizeof(probe.path), "%s", path);
		o->pobj = &probe;
		res = load(o);
		free(probe.data);
		o->pobj = NULL;
	} else {
		res = attach(o, path, flags, NULL);
		if (res == TEE_SUCCESS) {
			res = load(o);
			if (res != TEE_SUCCESS)
				teesim_pobj_close(o);
		}
		if (res != TEE_SUCCESS) {
			teesim_object_free(o);
			return PASS(res, open_results);
		}
		o->info.handleFlags |= flags & 0xffff;
		*object = o;
		return TEE_SUCCESS;
	}
	if (res == TEE_SUCCESS)
		res = attach(o, path, flags, existing);
	if (res != TEE_SUCCESS) {
		teesim_object_free(o);
		return PASS(res, open_results);
	}
	*object = o;
	return TEE_SUCCESS;
}

TEE_Result TEE_CreatePersistentObject(uint32_t storageID, const void *objectID, uint32_t objectIDLen,
				      uint32_t flags, TEE_ObjectHandle attributes, const void *initialData,
				      uint32_t initialDataLen, TEE_ObjectHandle *object)
{
	char path[PATH_MAX_OBJ];
	if (object)
		*object = TEE_HANDLE_NULL;
	if (!initialData && initialDataLen)
		TEE_Panic(0);
	TEE_Result res = object_path(storageID, objectID, objectIDLen, path, sizeof(path));
	if (res != TEE_SUCCESS)
		return PASS(res, open_results);
	struct teesim_pobj *existing = find_open(path);
	if (existing || (!(flags & TEE_DATA_FLAG_OVERWRITE) && access(path, F_OK) == 0))
		return TEE_ERROR_ACCESS_CONFLICT;

	struct __TEE_ObjectHandle *o = teesim_object_new(TEE_TYPE_DATA, 0);
	if (!o)
		return TEE_ERROR_OUT_OF_MEMORY;
	if (attributes != TEE_HANDLE_NULL) {
		const struct __TEE_ObjectHandle *a = teesim_object(attributes);
		if (!(a->info.handleFlags & TEE_HANDLE_FLAG_INITIALIZED))
			TEE_Panic(0);
		o->info.objectType = a->info.objectType;
		o->info.objectSize = a->info.objectSize;
		o->info.maxObjectSize = a->info.maxObjectSize;
		o->info.objectUsage = a->info.objectUsage;
		o->n_attrs = a->n_attrs;
		memcpy(o->attrs, a->attrs, sizeof(o->attrs));
	}
	res = attach(o, path, flags, NULL);
	if (res != TEE_SUCCESS) {
		teesim_object_free(o);
		return PASS(res, open_results);
	}
	o->pobj->data = malloc(initialDataLen ? initialDataLen : 1);
	if (!o->pobj->data) {
		TEE_CloseObject(o);
		return TEE_ERROR_OUT_OF_MEMORY;
	}
	if (initialDataLen)
		memcpy(o->pobj->data, initialData, initialDataLen);
	o->pobj->size = initialDataLen;
	res = save(o);
	if (res != TEE_SUCCESS) {
		TEE_CloseObject(o);
		return PASS(res, open_results);
	}
	if (object)
		*object = o;
	else
		TEE_CloseObject(o);
	return TEE_SUCCESS;
}

static struct __TEE_ObjectHandle *persistent(TEE_ObjectHandle object, uint32_t need_flag)
{
	struct __TEE_ObjectHandle *o = teesim_object(object);
	if (!(o->info.handleFlags & TEE_HANDLE_FLAG_PERSISTENT) || !o->pobj)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (need_flag && !(o->info.handleFlags & need_flag))
		TEE_Panic(TEE_ERROR_ACCESS_CONFLICT);
	return o;
}

TEE_Result TEE_CloseAndDeletePersistentObject1(TEE_ObjectHandle object)
{
	if (object == TEE_HANDLE_NULL)
		return TEE_ERROR_STORAGE_NOT_AVAILABLE;
	struct __TEE_ObjectHandle *o = persistent(object, TEE_DATA_FLAG_ACCESS_WRITE_META);
	TEE_Result res = unlink(o->pobj->path) == 0 ? TEE_SUCCESS : TEE_ERROR_STORAGE_NOT_AVAILABLE;
	o->pobj->deleted = true;
	TEE_CloseObject(o);
	return res;
}

void TEE_CloseAndDeletePersistentObject(TEE_ObjectHandle object)
{
	if (object != TEE_HANDLE_NULL)
		(void)TEE_CloseAndDeletePersistentObject1(object);
}

TEE_Result TEE_ReadObjectData(TEE_ObjectHandle object, void *buffer, uint32_t size, uint32_t *count)
{
	struct __TEE_ObjectHandle *o = persistent(object, TEE_DATA_FLAG_ACCESS_READ);
	if (!count || (!buffer && size))
		TEE_Panic(0);
	uint32_t have = o->position < o->pobj->size ? o->pobj->size - o->position : 0;
	*count = size < have ? size : have;
	if (*count)
		memcpy(buffer, o->pobj->data + o->position, *count);
	o->position += *count;
	return TEE_SUCCESS;
}

static TEE_Result resize(struct teesim_pobj *p, uint32_t size)
{
	uint8_t *d = realloc(p->data, size ? size : 1);
	if (!d)
		return TEE_ERROR_OUT_OF_MEMORY;
	if (size > p->size)
		memset(d + p->size, 0, size - p->size);
	p->data = d;
	p->size = size;
	return TEE_SUCCESS;
}

static const TEE_Result write_results[] = { TEE_ERROR_STORAGE_NO_SPACE, TEE_ERROR_OVERFLOW,
					    TEE_ERROR_CORRUPT_OBJECT, TEE_ERROR_STORAGE_NOT_AVAILABLE };

TEE_Result TEE_WriteObjectData(TEE_ObjectHandle object, const void *buffer, uint32_t size)
{
	struct __TEE_ObjectHandle *o = persistent(object, TEE_DATA_FLAG_ACCESS_WRITE);
	if (!buffer && size)
		TEE_Panic(0);
	if ((uint64_t)o->position + size > TEE_DATA_MAX_POSITION)
		return TEE_ERROR_OVERFLOW;
	struct teesim_pobj *p = o->pobj;
	uint32_t old = p->size;
	uint32_t end = o->position + size;
	if (end > p->size && resize(p, end) != TEE_SUCCESS)
		return TEE_ERROR_STORAGE_NO_SPACE;
	uint8_t *saved = NULL;
	if (size) {
		/* Keep what is overwritten, to restore it if the file cannot be rewritten. */
		saved = malloc(size);
		if (!saved)
			return TEE_ERROR_STORAGE_NO_SPACE;
		memcpy(saved, p->data + o->position, size);
		memcpy(p->data + o->position, buffer, size);
	}
	TEE_Result res = save(o);
	if (res != TEE_SUCCESS) {
		if (size)
			memcpy(p->data + o->position, saved, size);
		(void)resize(p, old);
	} else {
		o->position = end;
	}
	free(saved);
	return PASS(res, write_results);
}

TEE_Result TEE_TruncateObjectData(TEE_ObjectHandle object, uint32_t size)
{
	struct __TEE_ObjectHandle *o = persistent(object, TEE_DATA_FLAG_ACCESS_WRITE);
	struct teesim_pobj *p = o->pobj;
	uint32_t old = p->size;
	uint8_t *saved = NULL;
	if (size < old) {
		saved = malloc(old - size);
		if (!saved)
			return TEE_ERROR_STORAGE_NO_SPACE;
		memcpy(saved, p->data + size, old - size);
	}
	if (resize(p, size) != TEE_SUCCESS) {
		free(saved);
		return TEE_ERROR_STORAGE_NO_SPACE;
	}
	TEE_Result res = save(o);
	if (res != TEE_SUCCESS) {
		if (resize(p, old) == TEE_SUCCESS && saved)
			memcpy(p->data + size, saved, old - size);
	}
	free(saved);
	return PASS(res, write_results);
}

TEE_Result TEE_SeekObjectData(TEE_ObjectHandle object, int32_t offset, TEE_Whence whence)
{
	struct __TEE_ObjectHandle *o = persistent(object, 0);
	int64_t base = 0;
	switch (whence) {
	case TEE_DATA_SEEK_SET:
		base = 0;
		break;
	case TEE_DATA_SEEK_CUR:
		base = o->position;
		break;
	case TEE_DATA_SEEK_END:
		base = o->pobj->size;
		break;
	default:
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	}
	int64_t pos = base + offset;
	if (pos < 0)
		pos = 0; /* GP: a seek before the start lands at 0 */
	if (pos > TEE_DATA_MAX_POSITION)
		return TEE_ERROR_OVERFLOW;
	o->position = (uint32_t)pos;
	return TEE_SUCCESS;
}
