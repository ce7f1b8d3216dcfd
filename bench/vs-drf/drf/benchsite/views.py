from rest_framework import pagination, serializers, viewsets

from .models import Book


class BookSerializer(serializers.ModelSerializer):
    isbn = serializers.DecimalField(max_digits=20, decimal_places=0, coerce_to_string=True)

    class Meta:
        model = Book
        fields = ["id", "title", "author", "state", "isbn", "tags", "metadata", "create_time", "update_time", "delete_time", "etag"]
        read_only_fields = ["create_time", "update_time", "delete_time", "etag"]


class Pages(pagination.CursorPagination):
    page_size = 50
    ordering = "id"


class BookViewSet(viewsets.ModelViewSet):
    queryset = Book.objects.all()
    serializer_class = BookSerializer
    pagination_class = Pages
