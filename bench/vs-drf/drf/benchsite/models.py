from django.db import models


class Author(models.Model):
    display_name = models.CharField(max_length=200)
    create_time = models.DateTimeField(null=True, auto_now_add=True)
    update_time = models.DateTimeField(null=True, auto_now=True)

    class Meta:
        managed = False
        db_table = "authors"


class Book(models.Model):
    title = models.CharField(max_length=300)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, db_column="author_id")
    state = models.IntegerField(default=0)
    isbn = models.DecimalField(max_digits=20, decimal_places=0, default=0)
    tags = models.JSONField(default=list)
    metadata = models.JSONField(default=dict)
    create_time = models.DateTimeField(null=True, auto_now_add=True)
    update_time = models.DateTimeField(null=True, auto_now=True)
    delete_time = models.DateTimeField(null=True, blank=True)
    etag = models.TextField(default="1")

    class Meta:
        managed = False
        db_table = "books"
