"""The static world of a course: the catalog (info.toml), the workspace, the learner's progress,
the course object (which exercise is current or next, run and record), and the dev-check proof as data."""

from checker.course.catalog import CHECKS_DIR, Catalog, CatalogError, Exercise
from checker.course.course import Course, default_jobs
from checker.course.workspace import Workspace, WorkspaceError

__all__ = ["CHECKS_DIR", "Catalog", "CatalogError", "Course", "Exercise", "Workspace", "WorkspaceError", "default_jobs"]
